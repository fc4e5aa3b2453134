// The guest's side, bundled (scripts/build-wet.mjs) into a script every machine evaluates at
// creation, so it is part of every snapshot. `connectWet` is the factory given to connect().
import { fullAuthority } from './guard.js';
import { collectIntrinsics } from './intrinsics.js';
import type { Reply, Request } from './protocol.js';
import { copy, type FastPath, type MembraneStats, makeMembraneSide, type TrapHooks } from './side.js';

/** What the pump gives the guest's side besides send (see @xsb/xs-wasm's Machine.connect). */
interface Pump {
  /**
   * Lets the engine answer GET and APPLY on exported objects itself (see FastPath in side.ts);
   * `get` is Map.prototype.get, captured before guest code runs.
   */
  setFastPath(
    exported: FastPath['exported'],
    get: Map<number, unknown>['get'],
    encodeResult: FastPath['encodeResult'],
    encodeThrown: FastPath['encodeThrown'],
  ): void;
  /**
   * A handler whose `apply` and `get` are the engine's (c/xsb_wire.c), the other traps the
   * handler's: see MembraneSideOptions.nativeTraps.
   */
  makeTraps?(handler: ProxyHandler<object>, hooks: TrapHooks): ProxyHandler<object>;
  setModuleHook(hook: (op: 'resolve' | 'load', specifier: string, referrer?: string) => string): void;
  importNow(specifier: string): unknown;
  /** Runs a script in the global scope, where its let, const and class stay for later scripts. */
  evaluateScript(source: string): unknown;
}

/** The host's module host, as the guest calls it (see ModuleHost in dry.ts). */
interface Modules {
  resolve(specifier: string, referrer: string | undefined): string;
  load(name: string): string;
}

interface CommonJsModule {
  exports: unknown;
}

// Captured as the bundle loads, before guest code can replace them: the host's calls by name go
// through here, and a guest that replaced String.prototype.slice must not cut its own line.
const { apply } = Reflect;
const { hasOwn } = Object;
const { slice, startsWith } = String.prototype;
/** What follows `prefix` in `name`, or undefined. */
const after = (name: string, prefix: string): string | undefined =>
  apply(startsWith, name, [prefix]) ? (apply(slice, name, [prefix.length]) as string) : undefined;

/**
 * The pump (the guest's end of the channel, in the engine) decodes each whole message from the
 * host (protocol.ts), hands it to the receiver this returns and encodes its reply; `send` does the
 * same the other way.
 */
export function connectWet(send: (request: Request) => Reply, pump: Pump): (request: Request) => Reply {
  // captured now: guest code may replace the globals later
  // biome-ignore lint/security/noGlobalEval: evaluating the host's scripts in the guest is the point
  const indirectEval = globalThis.eval;
  const { parse, stringify } = JSON;
  const mapGet = Map.prototype.get;
  const global = globalThis;

  // guest values the host keeps by name: after a restore they are how it finds them again
  const roots = new Map<string, unknown>();
  // CommonJS modules by full name, as require() caches them
  const commonJsModules = new Map<string, CommonJsModule>();
  let modulesProxy: Modules | undefined;
  const modules = (): Modules => (modulesProxy ??= side.wellKnown('modules') as Modules);
  pump.setModuleHook((op, specifier, referrer) => {
    if (op !== 'load') return modules().resolve(specifier, referrer);
    const text = String(modules().load(specifier));
    // a JSON module is its value as the default export (what `import data from './x.json'` means)
    return specifier.endsWith('.json') ? `export default ${stringify(parse(text))};` : text;
  });

  const runCommonJs = (module: CommonJsModule, source: string, filename: string): void => {
    const wrapper = indirectEval(`(function (exports, require, module, __filename, __dirname) {${source}\n})`);
    const dirname = filename.includes('/') ? filename.slice(0, filename.lastIndexOf('/')) || '/' : '.';
    const require = (specifier: string): unknown => {
      const name = String(modules().resolve(String(specifier), filename));
      let required = commonJsModules.get(name);
      if (!required) {
        required = { exports: {} };
        // cached before it runs, as Node does: a cycle sees the exports so far
        commonJsModules.set(name, required);
        try {
          const text = String(modules().load(name));
          if (name.endsWith('.json')) required.exports = parse(text);
          else runCommonJs(required, text, name);
        } catch (error) {
          commonJsModules.delete(name);
          throw error;
        }
      }
      return required.exports;
    };
    wrapper.call(module.exports, module.exports, require, module, filename, dirname);
  };

  const controlChannel = Object.freeze({
    /** Keeps a guest value under a name (undefined forgets it). */
    keep(name: string, value: unknown): void {
      if (value === undefined) roots.delete(String(name));
      else roots.set(String(name), value);
    },
    /** A value kept under a name, or undefined. */
    root(name: string): unknown {
      return roots.get(String(name));
    },
    /** Runs a script in the guest's global scope; returns its completion value. */
    evaluateScript(source: string): unknown {
      return pump.evaluateScript(String(source));
    },
    /** Runs a CommonJS module (cached under its filename for require); returns its module.exports. */
    evaluateCommonJsModule(source: string, filename: string): unknown {
      const module: CommonJsModule = { exports: {} };
      commonJsModules.set(String(filename), module);
      runCommonJs(module, String(source), String(filename));
      return module.exports;
    },
    /** Imports an ES module graph; returns its namespace. */
    evaluateModule(specifier: string): unknown {
      return pump.importNow(String(specifier));
    },
    /**
     * Calls a guest function and gives back its result as a copy of plain data (a promise's
     * settlement, for a promise): the host's side of `copying` (see dry.ts).
     */
    callForCopy(...argsThenFunction: unknown[]): unknown {
      // the function comes last, so that an argument's place in an error is its place in the call
      const fn = argsThenFunction.pop();
      const args = argsThenFunction;
      if (typeof fn !== 'function') throw new TypeError('copying() takes a guest function');
      const result = fn(...args);
      return result instanceof Promise ? result.then(copy) : copy(result);
    },
    /** The wet side's tables, for the host to watch. */
    stats(): MembraneStats {
      return side.stats();
    },
    /** Installs host-given values as guest globals. */
    defineGlobals(endowments: Record<string, unknown>): void {
      for (const key of Object.keys(endowments)) {
        Object.defineProperty(global, key, { value: endowments[key], writable: true, configurable: true, enumerable: false });
      }
    },
  });

  const side = makeMembraneSide({
    name: 'wet',
    intrinsicsNamed: 'shared',
    intrinsics: collectIntrinsics(global),
    guard: fullAuthority,
    send,
    wellKnown: { controlChannel, globalThis: global },
    // what the host calls by name, one crossing each with nothing to look up first: the control
    // channel's methods, and kept values (Membrane.keptFunction)
    named: (wellKnownName) => {
      const method = after(wellKnownName, 'control:');
      if (method !== undefined)
        return hasOwn(controlChannel, method) ? (controlChannel as Record<string, object>)[method] : undefined;
      const keptName = after(wellKnownName, 'kept:');
      const kept = keptName === undefined ? undefined : roots.get(keptName);
      return (typeof kept === 'object' && kept !== null) || typeof kept === 'function' ? kept : undefined;
    },
    ...(pump.makeTraps ? { nativeTraps: (handler, hooks) => pump.makeTraps!(handler, hooks) } : {}),
  });
  const fast = side.fastPath();
  pump.setFastPath(fast.exported, mapGet, fast.encodeResult, fast.encodeThrown);
  return (request) => side.receive(request);
}
