// A sandbox: a machine, the membrane and the journal composed, extended by plugins. Loading the
// engine is async (browsers compile wasm asynchronously); everything after it is synchronous.
import {
  type JournalEntry,
  type Journaled,
  JournalFormatError,
  type JournalSink,
  type MeterSettings,
  type RestoreReport,
  readJournalHeader,
  restoreJournaled,
  startJournaled,
} from '@xsb/journal';
import { callSiteEntry, type Engine } from '@xsb/xs-wasm';
import { ModuleNotFoundError, ModuleRefusedError, PluginMismatchError, SandboxOptionsError } from './errors.js';
import { type ModuleHost, membraneModuleHost, moduleHostProblems } from './modules.js';
import { type PluginContext, type PluginMeter, quote, type SandboxPlugin } from './plugin.js';

/** A plugin, or a plugin with its options. */
// biome-ignore lint/suspicious/noExplicitAny: a plugin's options and API are its own business
export type PluginUse = SandboxPlugin<any, any> | readonly [plugin: SandboxPlugin<any, any>, options: unknown];

export interface SandboxLimits {
  /** Bytes of guest heap, stack and keys. Default 256 MiB. */
  readonly memory?: number;
  /** Guest stack slots (a slot is 16 bytes). Default 32,768. */
  readonly stackSlots?: number;
}

export interface SandboxOptions {
  /** From loadEngine(): the only asynchronous step. */
  readonly engine: Engine;
  readonly plugins?: readonly PluginUse[];
  /** Host values the guest gets as globals (objects and functions through the membrane). */
  readonly endowments?: Readonly<Record<string, unknown>>;
  /** Where the guest's imports and requires come from; without it they throw. */
  readonly modules?: ModuleHost;
  readonly limits?: SandboxLimits;
  /** Seed of the guest's Math.random. Default 0. */
  readonly randomSeed?: number;
  /** Where the journal goes; default in memory. */
  readonly journal?: JournalSink;
  /**
   * Names the sandbox in its journal, and so in its snapshots: a snapshot restores only with the
   * journal it was taken from. Default: derived from the engine build, limits, seed and plugins.
   */
  readonly id?: string;
}

export interface RestoreSandboxOptions extends Omit<SandboxOptions, 'limits' | 'randomSeed' | 'journal' | 'id'> {
  /** The journal's bytes, whole. */
  readonly journal: Uint8Array;
  /**
   * A snapshot taken from this journal (sandbox.snapshot()): only the journal after it is replayed.
   * A snapshot of another journal is refused with SnapshotMismatchError.
   */
  readonly snapshot?: Uint8Array;
  /** Where the journal goes from here; a new sink gets the journal so far first. */
  readonly sink?: JournalSink;
  readonly onProgress?: (replayed: number, total: number) => void;
}

export interface Sandbox extends Disposable {
  /** Runs a script in the guest's global scope; returns its completion value (objects as proxies). */
  evaluate(source: string): unknown;
  /**
   * Runs a CommonJS module; returns its module.exports. Its require() resolves and loads through
   * the `modules` option, in the guest: each module runs once, `.json` files are parsed.
   */
  evaluateCommonJsModule(source: string, filename: string): unknown;
  /**
   * Imports an ES module and everything it imports through the `modules` option, synchronously
   * (no top-level await); returns its namespace. A module runs once: importing it again, after a
   * restore too, gives the same namespace without loading it.
   */
  evaluateModule(specifier: string): unknown;
  /** Keeps a guest value under a name, in the guest: after a restore, root(name) finds it again. */
  keep(name: string, value: unknown): void;
  /** The guest value kept under a name, or undefined. */
  root(name: string): unknown;
  /**
   * `fn`, a guest function, called with copies: its arguments cross as copies of plain data
   * (records, arrays, primitives, dates, errors, binary data) and its result comes back as one, in
   * one crossing a call. Use it for data; proxies for objects with identity or behaviour.
   */
  copying<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** Each plugin's host API, by plugin name. */
  readonly plugins: Readonly<Record<string, unknown>>;
  /** Everything that crossed, in order (see @xsb/journal). */
  readonly journal: readonly JournalEntry[];
  /**
   * The sandbox's whole state at this point: restoreSandbox takes it with the journal. Not from
   * inside a call into the guest (a host function it called): that throws ReentrantCallError.
   */
  snapshot(): Uint8Array;
  /** Collects the guest's garbage (journaled): guest proxies of dropped host objects go. Not from inside a call either. */
  collectGarbage(): void;
  /** From inside a call into the guest, the guest loses the host at once and its machine goes when the call returns. */
  dispose(): void;
}

const PLUGIN_ROOT = (name: string) => `plugin:${name}`;

interface Installed {
  /** Meter settings plugins made during install, in order: applied when a sandbox is created. */
  readonly meterSettings: readonly MeterSettings[];
  readonly names: readonly string[];
  readonly endowments: Readonly<Record<string, unknown>>;
  readonly scripts: readonly (readonly [name: string, source: string])[];
  readonly apis: Record<string, unknown>;
  /** Called once the sandbox's journaled machine exists. */
  attach(journaled: Journaled): void;
}

function checkOptions(options: unknown, restoring: boolean): void {
  const problems: string[] = [];
  if (options === null || typeof options !== 'object') {
    throw new SandboxOptionsError([`expected an options object, got ${quote(options)}`]);
  }
  const o = options as Record<string, unknown>;
  const engine = o.engine as { createMachine?: unknown } | undefined;
  if (engine === null || typeof engine !== 'object' || typeof engine.createMachine !== 'function') {
    problems.push(`engine is ${quote(o.engine)}; expected the Engine that loadEngine() resolves to`);
  }
  if (o.plugins !== undefined && !Array.isArray(o.plugins)) problems.push(`plugins is ${quote(o.plugins)}; expected an array`);
  if (o.endowments !== undefined && (o.endowments === null || typeof o.endowments !== 'object')) {
    problems.push(`endowments is ${quote(o.endowments)}; expected an object of globals`);
  }
  problems.push(...moduleHostProblems(o.modules));
  if (!restoring) {
    const limits = (o.limits ?? {}) as Record<string, unknown>;
    for (const key of ['memory', 'stackSlots'] as const) {
      const value = limits[key];
      if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0)) {
        problems.push(`limits.${key} is ${quote(value)}; expected a positive integer`);
      }
    }
    if (o.randomSeed !== undefined && !Number.isSafeInteger(o.randomSeed)) {
      problems.push(`randomSeed is ${quote(o.randomSeed)}; expected an integer`);
    }
    if (o.id !== undefined && (typeof o.id !== 'string' || o.id === '')) {
      problems.push(`id is ${quote(o.id)}; expected a non-empty string`);
    }
  } else {
    if (!(o.journal instanceof Uint8Array))
      problems.push(`journal is ${quote(o.journal)}; expected the journal's bytes (a Uint8Array)`);
    if (o.snapshot !== undefined && !(o.snapshot instanceof Uint8Array)) {
      problems.push(`snapshot is ${quote(o.snapshot)}; expected a snapshot's bytes (a Uint8Array)`);
    }
  }
  if (problems.length > 0) throw new SandboxOptionsError(problems);
}

function install(uses: readonly PluginUse[], endowments: Readonly<Record<string, unknown>>): Installed {
  const globals: Record<string, unknown> = { ...endowments };
  const owner = new Map<string, string>(Object.keys(endowments).map((key) => [key, 'the endowments']));
  const scripts: [string, string][] = [];
  const apis: Record<string, unknown> = {};
  const names: string[] = [];
  let journaled: Journaled | undefined;
  const meterSettings: MeterSettings[] = [];
  const meter: PluginMeter = Object.freeze({
    set(settings: MeterSettings) {
      if (journaled) journaled.setMeter(settings);
      else meterSettings.push(settings);
    },
    get used() {
      return journaled?.meter.used ?? 0;
    },
    get limit() {
      return journaled?.meter.limit ?? 0;
    },
    get remaining() {
      const state = journaled?.meter;
      return state?.budget == null ? Number.POSITIVE_INFINITY : Math.max(0, state.budget - state.used);
    },
  });
  const problems: string[] = [];
  for (const use of uses) {
    const [plugin, options] = Array.isArray(use) ? (use as [SandboxPlugin, unknown]) : [use as SandboxPlugin, undefined];
    if (!plugin || typeof plugin.install !== 'function' || typeof plugin.name !== 'string') {
      problems.push(`plugins has ${quote(plugin)}; expected a plugin made with definePlugin`);
      continue;
    }
    if (names.includes(plugin.name)) {
      problems.push(`the plugin "${plugin.name}" is given twice`);
      continue;
    }
    names.push(plugin.name);
    const context: PluginContext = {
      name: plugin.name,
      defineGlobals(values) {
        for (const key of Object.keys(values)) {
          const taken = owner.get(key);
          if (taken)
            throw new SandboxOptionsError([
              `the plugin "${plugin.name}" defines the global ${key}, which ${taken} define already`,
            ]);
          owner.set(key, `the plugin "${plugin.name}"`);
          globals[key] = values[key];
        }
      },
      guestScript(source) {
        if (typeof source !== 'string')
          throw new TypeError(`guestScript takes the guest's source as a string, got ${quote(source)}`);
        scripts.push([plugin.name, source]);
      },
      guest() {
        if (!journaled)
          throw new Error(
            `the plugin "${plugin.name}" asked for its guest side before the sandbox exists: ask from its API, later`,
          );
        return journaled.membrane.root(PLUGIN_ROOT(plugin.name));
      },
      callGuest(...args) {
        if (!journaled)
          throw new Error(
            `the plugin "${plugin.name}" called its guest side before the sandbox exists: call from its API, later`,
          );
        return journaled.membrane.keptFunction(PLUGIN_ROOT(plugin.name))(...args);
      },
      meter,
    };
    apis[plugin.name] = plugin.install(context, options);
  }
  if (problems.length > 0) throw new SandboxOptionsError(problems);
  return {
    meterSettings,
    names,
    endowments: globals,
    scripts,
    apis,
    attach(j) {
      journaled = j;
    },
  };
}

/** The sandbox's own errors that reach the host through the guest (a module host's, from an import). */
const ERROR_CLASSES = { ModuleNotFoundError, ModuleRefusedError };

function wrap(journaled: Journaled, installed: Installed): Sandbox {
  installed.attach(journaled);
  const { membrane } = journaled;
  const dispose = () => journaled.dispose();
  // what these throw has its stack start at the caller (atCallSite)
  return Object.freeze({
    evaluate: callSiteEntry((source: string) => membrane.evaluateScript(source)),
    evaluateCommonJsModule: callSiteEntry((source: string, filename: string) =>
      membrane.evaluateCommonJsModule(source, filename),
    ),
    evaluateModule: callSiteEntry((specifier: string) => membrane.evaluateModule(specifier)),
    keep: callSiteEntry((name: string, value: unknown) => membrane.keep(name, value)),
    root: callSiteEntry((name: string) => membrane.root(name)),
    copying: <A extends unknown[], R>(fn: (...args: A) => R) => membrane.copying(fn),
    plugins: Object.freeze({ ...installed.apis }),
    get journal() {
      return journaled.entries;
    },
    snapshot: callSiteEntry(() => journaled.snapshot()),
    collectGarbage: callSiteEntry(() => journaled.collectGarbage()),
    dispose,
    [Symbol.dispose]: dispose,
  });
}

/** A new sandbox, synchronously (the engine is loaded already). */
export function createSandbox(options: SandboxOptions): Sandbox {
  checkOptions(options, false);
  const installed = install(options.plugins ?? [], options.endowments ?? {});
  const journaled = startJournaled(options.engine, {
    endowments: installed.endowments,
    machine: {
      ...(options.limits?.memory === undefined ? {} : { memoryLimit: options.limits.memory }),
      ...(options.limits?.stackSlots === undefined ? {} : { stackSlots: options.limits.stackSlots }),
      ...(options.randomSeed === undefined ? {} : { randomSeed: options.randomSeed }),
    },
    ...(options.journal === undefined ? {} : { sink: options.journal }),
    modules: membraneModuleHost(options.modules),
    errorClasses: ERROR_CLASSES,
    host: { plugins: installed.names },
    ...(options.id === undefined ? {} : { id: options.id }),
  });
  try {
    for (const [name, source] of installed.scripts)
      journaled.membrane.keep(PLUGIN_ROOT(name), journaled.membrane.evaluateScript(source));
    for (const settings of installed.meterSettings) journaled.setMeter(settings);
  } catch (error) {
    journaled.dispose();
    throw error;
  }
  return wrap(journaled, installed);
}

/** Brings a sandbox back from its journal (and a snapshot), with the same plugins and endowments. */
export function restoreSandbox(options: RestoreSandboxOptions): { sandbox: Sandbox; report: RestoreReport } {
  checkOptions(options, true);
  const installed = install(options.plugins ?? [], options.endowments ?? {});
  const recorded = (readJournalHeader(options.journal).host as { plugins?: unknown } | null | undefined)?.plugins ?? [];
  if (!Array.isArray(recorded) || !recorded.every((name) => typeof name === 'string')) {
    throw new JournalFormatError(12, `the header's plugins, ${JSON.stringify(recorded)}, are not a list of names`);
  }
  const missing = recorded.filter((name) => !installed.names.includes(name));
  const extra = installed.names.filter((name) => !recorded.includes(name));
  if (missing.length > 0 || extra.length > 0) throw new PluginMismatchError(missing, extra);
  const { journaled, report } = restoreJournaled(options.engine, {
    journal: options.journal,
    endowments: installed.endowments,
    modules: membraneModuleHost(options.modules),
    errorClasses: ERROR_CLASSES,
    ...(options.snapshot === undefined ? {} : { snapshot: options.snapshot }),
    ...(options.sink === undefined ? {} : { sink: options.sink }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return { sandbox: wrap(journaled, installed), report };
}
