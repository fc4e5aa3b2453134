// The host's side: connects a machine's pump to a channel and the membrane, the wet side being
// the bundled script every machine evaluates first.
import { makeChannel } from '@xsb/channel';
import { atCallSite, callSiteEntry, GuestError, type Machine } from '@xsb/xs-wasm';
import { hostObjectGuard } from './authority.js';
import { MembraneError, NotSerializableError, ProtocolError, RevokedError } from './errors.js';
import { connectGuestSide } from './guest-side.js';
import { collectIntrinsics, type Intrinsics } from './intrinsics.js';
import { decodeReply, decodeRequest, type Encoded, encodeMessage, type Request } from './protocol.js';
import { type AdoptedTables, copy, type ErrorClass, type MembraneStats, makeMembraneSide } from './side.js';

/** The membrane's two directions, as the bytes of each message (protocol.ts). */
export interface MembraneWire {
  /** Sends a request to the guest; returns its reply. */
  toGuest(request: Uint8Array): Uint8Array;
  /** Answers a request from the guest. */
  fromGuest(request: Uint8Array): Uint8Array;
}

/** Where the guest's imports and requires come from. */
export interface ModuleHost {
  /** The full name of `specifier` as imported by the module named `referrer` (undefined: the host's own import). */
  resolve(specifier: string, referrer: string | undefined): string;
  /** The source of the module of that full name. */
  load(name: string): string;
}

export interface MembraneOptions {
  /** Largest message either way, in bytes (see @xsb/channel). Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Stands between the host's side and the guest: the journal records and replays here. */
  readonly wire?: (wire: MembraneWire) => MembraneWire;
  /** Names host objects as they cross, so a restore can bind them again (see MembraneSideOptions). */
  readonly nameOf?: (value: object) => string | undefined;
  /** The machine's guest side is in its heap, connected already (a snapshot, or createConnectedMachine). */
  readonly restored?: boolean;
  /**
   * Answers the guest's imports and requires. The guest reaches it by name, not as an object it
   * holds, so a restored guest reaches the restoring host's. Default: none, and importing throws.
   */
  readonly modules?: ModuleHost;
  /**
   * The host's error classes by name, beyond ECMAScript's and the membrane's: one thrown in the
   * host, through the guest and back (a module host's refusal, say) comes out an instance of its
   * class again rather than a GuestError. (By name only: a guest can throw an error of that name.)
   */
  readonly errorClasses?: Readonly<Record<string, ErrorClass>>;
}

/** What the guest's control channel offers the host. */
export interface ControlChannel {
  evaluateScript(source: string): unknown;
  evaluateCommonJsModule(source: string, filename: string): unknown;
  evaluateModule(specifier: string): unknown;
  defineGlobals(endowments: Readonly<Record<string, unknown>>): void;
  keep(name: string, value: unknown): void;
  root(name: string): unknown;
  /** Calls the guest function that comes last with the arguments before it; returns its result as a copy. */
  callForCopy(...argsThenFunction: unknown[]): unknown;
  stats(): MembraneStats;
}

export interface Membrane {
  /** Runs a script in the guest; returns its completion value (objects as proxies). */
  evaluateScript(source: string): unknown;
  /**
   * Runs a CommonJS module in the guest; returns its module.exports. Its require() resolves and
   * loads through the module host, and runs each module once (JSON files are parsed).
   */
  evaluateCommonJsModule(source: string, filename: string): unknown;
  /**
   * Imports an ES module graph through the module host, synchronously (no top-level await);
   * returns the namespace. A module runs once: importing it again, after a restore too, gives
   * the same namespace without loading.
   */
  evaluateModule(specifier: string): unknown;
  /** Installs host values as guest globals; the guest reaches them through the membrane. */
  defineGlobals(endowments: Readonly<Record<string, unknown>>): void;
  /**
   * Keeps a guest value under a name, in the guest (unreachable from guest code): a host that
   * restores the sandbox finds it again with root(name). `undefined` forgets the name.
   */
  keep(name: string, value: unknown): void;
  /** The guest value kept under a name, or undefined. */
  root(name: string): unknown;
  /**
   * A function proxy that calls the guest function kept under `name` by that name: making it sends
   * nothing, and each call is one crossing (root(name) then a call is two), alike for a host that
   * restored the sandbox. A call when nothing callable is kept under the name throws ProtocolError.
   */
  keptFunction(name: string): (...args: unknown[]) => unknown;
  /**
   * `fn`, a guest function, as a host function that sends its arguments as copies of plain data
   * and returns the result as one (see copy): one crossing a call, and nothing on the host reads
   * the guest a property at a time. A promise result settles with a copy.
   */
  copying<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  /** The guest's globalThis. */
  readonly guestGlobal: Record<string | symbol, unknown>;
  /** Ends the membrane: every proxy, both ways, throws RevokedError from now on. */
  revoke(): void;
  /** Sends the releases of guest proxies the host's collector has taken. */
  flushReleases(): void;
  /** Takes over the tables of the host side before a restore (see AdoptedTables). */
  adopt(tables: AdoptedTables): void;
  /** The host's tables, and the guest's. */
  stats(): { readonly dry: MembraneStats; readonly wet: MembraneStats };
}

const NO_MODULES: ModuleHost = Object.freeze({
  resolve(specifier: string): string {
    throw new Error(
      `cannot import ${JSON.stringify(specifier)}: the host gave this guest no module host (MembraneOptions.modules)`,
    );
  },
  load(name: string): string {
    throw new Error(`cannot load ${JSON.stringify(name)}: the host gave this guest no module host (MembraneOptions.modules)`);
  },
});

let hostIntrinsics: Intrinsics | undefined;

/** Errors of the membrane's own that the guest's side throws, by name (see MembraneOptions.errorClasses). */
const MEMBRANE_ERRORS = { MembraneError, NotSerializableError, ProtocolError, RevokedError };

/**
 * What the guest threw, as the host gets it: a GuestError whose name, message and stack were
 * copied at the crossing, so that reading or printing it runs no guest code; `value` is the thrown
 * value itself (a copy of an error, a primitive, or a proxy of a guest object). Errors of xsb's own
 * classes stay instances of them.
 */
function guestThrew(value: unknown, encoded: Encoded, own: Readonly<Record<string, unknown>>): unknown {
  if (encoded !== null && typeof encoded === 'object' && encoded.$ === 'e') {
    if (Object.hasOwn(own, encoded.n)) return value;
    const cause = 'c' in encoded && encoded.c !== undefined ? { cause: (value as Error).cause } : {};
    return new GuestError(encoded.n, encoded.m, encoded.s, { value, ...cause });
  }
  return new GuestError(typeof value, `the guest threw ${describeThrown(value, encoded)}`, '', { value });
}

/** A thrown value that is not an error, in words, read off what was sent (never by running guest code). */
function describeThrown(value: unknown, encoded: Encoded): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return String(value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  const ref = encoded !== null && typeof encoded === 'object' && encoded.$ === 's' ? ` (Guest #${encoded.id})` : '';
  const kind = typeof value === 'function' ? 'a function' : Array.isArray(value) ? 'an array' : 'an object';
  return `${kind}${ref}, not an Error: the thrown value is the error's \`value\``;
}

/** Connects a fresh machine to the host through the membrane. */
export function attachMembrane(machine: Machine, options: MembraneOptions = {}): Membrane {
  hostIntrinsics ??= collectIntrinsics(globalThis);
  const channel = makeChannel({
    // frames are written and read in the engine's scratch region: no copies but the messages'
    region: machine.scratch,
    onMessage: (bytes) => wire.fromGuest(bytes),
    ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
  });
  const direct: MembraneWire = {
    toGuest: (request) => channel.request(request),
    fromGuest: (bytes) => {
      let request: Request;
      try {
        request = decodeRequest(bytes);
      } catch (error) {
        // the guest broke its own side: it gets the error, the host goes on
        // (a RangeError if the message nests deeper than the host's stack)
        const { name, message } = error as Error;
        return encodeMessage({ err: { $: 'e', n: String(name), m: String(message), s: '' } });
      }
      return encodeMessage(side.receive(request));
    },
  };
  const wire = options.wire ? options.wire(direct) : direct;
  const ownErrors = { ...MEMBRANE_ERRORS, ...options.errorClasses };
  const side = makeMembraneSide({
    name: 'dry',
    intrinsicsNamed: 'kept apart',
    intrinsics: hostIntrinsics,
    guard: hostObjectGuard,
    printedAs: 'Guest',
    send: (request) => decodeReply(wire.toGuest(encodeMessage(request))),
    ...(options.nameOf ? { nameOf: options.nameOf } : {}),
    // a guest reply the protocol refuses comes back as a ProtocolError
    errorClasses: ownErrors,
    thrown: (value, encoded) => guestThrew(value, encoded, ownErrors),
    thrownBy: (error) => (error instanceof GuestError ? { value: error.value } : undefined),
    atCallSite,
    wellKnown: { modules: options.modules ?? NO_MODULES },
  });
  machine.onFrame = (length) => channel.receiveInRegion(length);
  if (!options.restored) connectGuestSide(machine);
  // each method of the guest's control channel by its name: a call is one crossing, not a read of
  // the method and then a call
  // (called as plain functions: a method call would send the object holding them as `this`)
  const controlMethod = <M extends keyof ControlChannel>(method: M): ControlChannel[M] =>
    side.wellKnown(`control:${method}`, 'f') as ControlChannel[M];
  const evaluateScript = controlMethod('evaluateScript');
  const evaluateCommonJsModule = controlMethod('evaluateCommonJsModule');
  const evaluateModule = controlMethod('evaluateModule');
  const defineGlobals = controlMethod('defineGlobals');
  const keep = controlMethod('keep');
  const root = controlMethod('root');
  const stats = controlMethod('stats');
  const callForCopy = controlMethod('callForCopy');
  const keptFunctions = new Map<string, (...args: unknown[]) => unknown>();
  return Object.freeze({
    evaluateScript: callSiteEntry((source: string) => evaluateScript(source)),
    evaluateCommonJsModule: callSiteEntry((source: string, filename: string) => evaluateCommonJsModule(source, filename)),
    evaluateModule: callSiteEntry((specifier: string) => evaluateModule(specifier)),
    defineGlobals: callSiteEntry((endowments: Readonly<Record<string, unknown>>) => defineGlobals(endowments)),
    keep: callSiteEntry((name: string, value: unknown) => keep(name, value)),
    root: callSiteEntry((name: string) => root(name)),
    keptFunction: (name: string) => {
      let kept = keptFunctions.get(name);
      if (!kept) keptFunctions.set(name, (kept = side.wellKnown(`kept:${name}`, 'f') as (...args: unknown[]) => unknown));
      return kept;
    },
    copying: <A extends unknown[], R>(fn: (...args: A) => R) => {
      if (typeof fn !== 'function') throw new TypeError(`copying() takes a guest function, not ${typeof fn}`);
      const copyingCall = (...args: A): R => {
        try {
          return callForCopy(...args.map(copy), fn) as R;
        } catch (error) {
          throw atCallSite(error, copyingCall);
        }
      };
      return copyingCall;
    },
    guestGlobal: side.wellKnown('globalThis') as Record<string | symbol, unknown>,
    revoke: () => side.revoke(),
    flushReleases: () => side.flushReleases(),
    adopt: (tables: AdoptedTables) => side.adopt(tables),
    stats: () => {
      const wet = stats();
      return { dry: side.stats(), wet: { exported: wet.exported, imported: wet.imported, promises: wet.promises } };
    },
  });
}
