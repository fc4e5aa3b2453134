// One side of the membrane. The same code runs on the host (the dry side) and, bundled, inside
// the guest (the wet side); it names its own objects `local` and the other side's `remote`.
import { makeDispatch } from './dispatch.js';
import { MembraneError, NotSerializableError, ProtocolError, RevokedError } from './errors.js';
import { ExportTable } from './export-table.js';
import type { ObjectGuard } from './guard.js';
import { type Intrinsics, isSlotMethod } from './intrinsics.js';
import type { Encoded, EncodedDescriptor, Payload, Reply, Request } from './protocol.js';
import { type Kind, makePrinter, makeTarget } from './proxy-target.js';
import { symbolStatics, WELL_KNOWN_SYMBOLS } from './symbols.js';

/** An error class a side names (see MembraneSideOptions.errorClasses). */
export type ErrorClass = abstract new (...args: never[]) => Error;

export interface MembraneSideOptions {
  /** 'wet' inside the guest, 'dry' on the host: it labels errors and stacks. */
  readonly name: 'wet' | 'dry';
  /**
   * What an intrinsic the other side names (protocol.ts's INTRINSIC) is here. 'shared' (the
   * guest's side): this side's own of that name, and the other side may call or target any of
   * them by name. 'kept apart' (the host's side): a forwarder or proxy of the other side's, so that
   * the host's eval, Function and Object.prototype are never reached from the guest; by name the
   * other side may only call the methods that read internal slots (isSlotMethod).
   */
  readonly intrinsicsNamed: 'shared' | 'kept apart';
  /** Carries one request to the other side and returns its reply. */
  readonly send: (request: Request) => Reply;
  /** This side's realm, by name (see intrinsics.ts). */
  readonly intrinsics: Intrinsics;
  /** Performs the other side's reads and writes of this side's objects: what it may do to them. */
  readonly guard: ObjectGuard;
  /**
   * How the host's printers (Node's util.inspect, console.log) name the other side's objects, e.g.
   * 'Guest' for `[GuestObject #12]`, read off each proxy's target so that printing sends nothing
   * and runs none of the other side's code. Default: not named.
   */
  readonly printedAs?: string;
  /**
   * This side's error classes by name, beyond ECMAScript's: an error of one of these names that
   * comes back (thrown in a call that crossed the other side) is an instance of it again.
   */
  readonly errorClasses?: Readonly<Record<string, ErrorClass>>;
  /**
   * What a throw of the other side's becomes here (an ERR reply, or a rejection of one of its
   * promises): given the value decoded and as it was sent. Default: the value decoded.
   */
  readonly thrown?: (value: unknown, encoded: Encoded) => unknown;
  /**
   * Rewrites an error a proxy's trap throws so that its stack starts at the trap's caller
   * (`boundary` is the trap): the frames of the membrane, the journal and the engine in between
   * would fill the host's stack limit and hide where the call was made. Default: left as thrown.
   */
  readonly atCallSite?: (error: unknown, boundary: (...args: never[]) => unknown) => unknown;
  /**
   * A local error that stands for something the other side threw (the host's GuestError): when it
   * crosses back, the other side gets what it threw, not a copy of the error standing for it.
   * Undefined for the others.
   */
  readonly thrownBy?: (error: Error) => { readonly value: unknown } | undefined;
  /** Local objects the other side may reach by name. */
  readonly wellKnown?: Readonly<Record<string, object>>;
  /**
   * Local objects the other side may reach by a name `wellKnown` does not list (the guest's kept
   * values, as `kept:` and their name): undefined when nothing goes by that name.
   */
  readonly named?: (name: string) => object | undefined;
  /**
   * The name a local object is sent with the first time, so that after a restore the new host can
   * bind the same id to its own object of that name (see adopt).
   */
  readonly nameOf?: (value: object) => string | undefined;
  /**
   * Lets an engine put traps of its own in place of the proxies' JavaScript ones (the guest's
   * pump: c/xsb_wire.c answers `apply` and `get` in C). Called once, with the handler every proxy
   * of this side uses; what it returns is used instead. Default: the handler as it is.
   */
  readonly nativeTraps?: (handler: ProxyHandler<object>, hooks: TrapHooks) => ProxyHandler<object>;
}

/**
 * What an engine's traps (MembraneSideOptions.nativeTraps) need to send exactly the request the
 * JavaScript trap would send, and to leave the tables as it would.
 */
export interface TrapHooks {
  /** A proxy's target, to how the other side names it: {$:'d',id}, {$:'i',p} or {$:'w',n}. */
  readonly targetRefs: WeakMap<object, Encoded>;
  /** WeakMap.prototype.get, captured before guest code runs. */
  readonly weakMapGet: WeakMap<object, Encoded>['get'];
  /** The encoding of a value that is not a primitive (an object, a function, a symbol): it may give ids, and throw. */
  readonly encode: (value: unknown, path: string) => Encoded;
  /**
   * The end of a call whose reply is not a primitive: `outcome` 0 is the OK of an apply, 1 the
   * OK of a get (a slot method read becomes a forwarder), 2 an ERR, whose value this throws.
   */
  readonly finish: (value: Payload, outcome: 0 | 1 | 2) => unknown;
  /** What a call does before it sends: throws once revoked, sends the settlements waiting. */
  readonly prepare: () => void;
  /**
   * `open` is true while a request may go without `prepare`: the side is not revoked and no
   * settlement waits. When it is false the engine's trap defers to the JavaScript one.
   */
  readonly gate: { readonly open: boolean };
}

/** What a side restored from a journal or snapshot takes over from the side before it. */
export interface AdoptedTables {
  /** The next id this side gives out: past every id the old side gave. */
  readonly nextId: number;
  /** Ids of ours the other side holds: bound to an object of ours, or gone (an ephemeral). */
  readonly exported: readonly {
    readonly id: number;
    readonly count: number;
    readonly value: object | undefined;
    readonly name?: string;
  }[];
  /** The other side's objects the old side held proxies of: nobody here does, so they are released. */
  readonly imported: readonly (readonly [id: number, count: number])[];
  /** Our promises the other side awaits: their settlement is lost with the old host, so they reject. */
  readonly promises: readonly number[];
  /** The other side's promises the old side awaited: their settlements are dropped. */
  readonly awaited: readonly number[];
}

export interface MembraneStats {
  /** Local objects the other side holds ids of. */
  readonly exported: number;
  /** The other side's objects this side holds proxies of. */
  readonly imported: number;
  /** The other side's promises not yet settled. */
  readonly promises: number;
}

export interface MembraneSide {
  /** Answers one request of the other side's. */
  receive(request: Request): Reply;
  /** A proxy of the other side's well-known object `name` (a function's, with kind 'f'): making it sends nothing. */
  wellKnown(name: string, kind?: 'o' | 'f'): unknown;
  /** Ends the membrane: every proxy throws RevokedError, every request is refused. */
  revoke(): void;
  /** Sends the releases of proxies the collector has taken. */
  flushReleases(): void;
  /** Takes over the tables of the side this one replaces after a restore (see AdoptedTables). */
  adopt(tables: AdoptedTables): void;
  stats(): MembraneStats;
  /** What an engine needs to answer the other side's commonest requests itself (see FastPath). */
  fastPath(): FastPath;
}

/**
 * How the guest's engine answers GET and APPLY on its own objects without running this code
 * (c/xsb_wire.c): it finds the target in `exported`, performs the request, and encodes the result
 * itself when it is a primitive, with these functions otherwise, so that the bytes and the tables
 * are what receive() would have left.
 */
export interface FastPath {
  readonly exported: ReadonlyMap<number, { readonly value: object | undefined }>;
  encodeResult(value: unknown): Encoded;
  encodeThrown(error: unknown): Encoded;
}

/** Values marked to cross as copies, by their marks (see copy). */
const copies = new WeakMap<object, unknown>();

/** Records and arrays a copy nests, at most: the guest's end decodes no deeper than 256 (c/xsb_wire.c). */
const MAX_COPY_DEPTH = 200;

const COPY_ADVICE =
  'copy() copies records, arrays, primitives, dates, errors and binary data: pass the rest without copy(), by reference';

/**
 * `value`, marked to cross the membrane as a copy of plain data in the same message (records and
 * arrays item by item, with primitives, dates, errors and binary data) rather than as a proxy the
 * other side reads a property at a time. The mark stands for the value only where it crosses:
 * pass it, do not keep it. Functions, class instances, proxies and cycles are refused with a
 * NotSerializableError naming where they are. Primitives are returned as they are.
 */
export function copy<T>(value: T): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || copies.has(value)) return value;
  const mark = Object.freeze({});
  copies.set(mark, value);
  return mark as T;
}

/** Captured as this module loads, before any guest code runs (see TrapHooks). */
const weakMapGet = WeakMap.prototype.get;
const objectToString = Object.prototype.toString;

/**
 * Causes an error carries across, at most: the rest of a longer chain is left out, since the
 * engine's decoder refuses values nested deeper than 256 (c/xsb_wire.c), and an error must cross.
 */
const MAX_CAUSES = 64;

/** Paths of the first arguments, for error messages, made once: a call should not build strings it may never show. */
const ARG_PATHS: readonly string[] = Array.from({ length: 8 }, (_, i) => `args[${i}]`);

/** Constructors of the binary data that crosses by copy. */
const VIEWS: Readonly<Record<string, new (buffer: ArrayBuffer) => ArrayBufferView>> = {
  DataView,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};
/**
 * An error of another realm of the host's (node:vm, an iframe), which instanceof does not see: it
 * must cross as a copy like the host's own errors, not as an object whose stack the guest reads.
 */
function isForeignError(object: object): boolean {
  try {
    return Reflect.apply(objectToString, object, []) === '[object Error]';
  } catch {
    // a revoked proxy
    return false;
  }
}

const ERRORS: Readonly<Record<string, new (message: string) => Error>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

interface ImportRecord {
  readonly id: number;
  /** How many times the other side has sent this id since the proxy was made. */
  count: number;
  ref: WeakRef<object> | undefined;
}

export function makeMembraneSide(options: MembraneSideOptions): MembraneSide {
  const { name, send, intrinsics, guard, errorClasses } = options;
  const shared = options.intrinsicsNamed === 'shared';
  const wellKnownLocal = options.wellKnown ?? {};
  let revoked = false;

  // Local objects the other side holds, by the ids we gave them.
  const exports = new ExportTable();

  // The other side's objects, by their ids, as proxies; and the proxies' ids.
  const imported = new Map<number, ImportRecord>();
  // how a proxy (and its target) is named to the other side: `d` by id, or `w` by name
  const remoteRefs = new WeakMap<object, Encoded>();
  const targetRefs = new WeakMap<object, Encoded>();
  const pendingReleases: (readonly [number, number])[] = [];
  // our promises an old host made, to be rejected on the next flush (see adopt)
  const pendingRejections: number[] = [];
  // settlements the other side refused (its meter spent): sent, in order, before the next call
  const pendingSettlements: Request[] = [];
  // what an engine's traps read to know they may send at once (see TrapHooks.gate): kept exact
  // wherever `revoked` or `pendingSettlements` change
  const gate = { open: true };
  const updateGate = (): void => {
    gate.open = !revoked && pendingSettlements.length === 0;
  };
  // The collector finalizes proxies by the thousand: their releases go in one message, sent
  // once the cleanup that reported them is over.
  let flushScheduled = false;
  const registry = new FinalizationRegistry<ImportRecord>((record) => {
    if (imported.get(record.id) === record) imported.delete(record.id);
    pendingReleases.push([record.id, record.count]);
    if (flushScheduled) return;
    flushScheduled = true;
    Promise.resolve().then(() => {
      flushScheduled = false;
      flushReleases();
    });
  });

  // Promises: ours the other side awaits, by id; and theirs we await, by their ids.
  const promiseIds = new WeakMap<Promise<unknown>, number>();
  const remotePromises = new Map<
    number,
    { readonly promise: Promise<unknown>; resolve(v: unknown): void; reject(e: unknown): void }
  >();
  // A guest promise that settles in the job checkpoint ending the very call that returns it is
  // settled before the host has read the reply naming it: such settlements wait here.
  const settledEarly = new Map<number, Promise<unknown>>();
  // the other side's promises an old host awaited before a restore: nobody here listens
  const orphaned = new Set<number>();
  const forwarders = new Map<string, (...args: unknown[]) => unknown>();
  const intrinsicProxies = new Map<string, object>();

  function checkLive(): void {
    if (revoked) throw new RevokedError(`the membrane was revoked: the ${name === 'dry' ? 'guest' : 'host'} is gone`);
  }

  /** Sends a request; returns the reply's value as sent, or throws what the other side threw. */
  function callRaw(request: Request): Payload {
    checkLive();
    if (pendingSettlements.length > 0) flushSettlements();
    const reply = send(request);
    if ('err' in reply) throw thrownHere(reply.err);
    return reply.ok;
  }
  const thrownHere = (encoded: Encoded): unknown => (options.thrown ? options.thrown(decode(encoded), encoded) : decode(encoded));
  const call = (request: Request): unknown => decode(replyValue(callRaw(request)));

  // ---------------------------------------------------------------- encoding

  function encodeSymbol(symbol: symbol, path: string): Encoded {
    const registered = Symbol.keyFor(symbol);
    if (registered !== undefined) return { $: 'y', r: registered };
    for (const w of WELL_KNOWN_SYMBOLS) if (symbolStatics[w] === symbol) return { $: 'y', w };
    throw new NotSerializableError(path, `the unique symbol ${String(symbol)}`);
  }

  function exportPromise(promise: Promise<unknown>): number {
    let id = promiseIds.get(promise);
    if (id !== undefined) return id;
    id = exports.newId();
    promiseIds.set(promise, id);
    const settle = (outcome: 'ok' | 'err', value: unknown) => {
      if (revoked) return;
      let encoded: Encoded;
      try {
        encoded = encode(value, 'the settlement');
      } catch (error) {
        outcome = 'err';
        encoded = encode(error, 'the settlement');
      }
      pendingSettlements.push(outcome === 'ok' ? { op: 'settle', id, ok: encoded } : { op: 'settle', id, err: encoded });
      updateGate();
      flushSettlements();
    };
    promise.then(
      (value) => settle('ok', value),
      (error) => settle('err', error),
    );
    return id;
  }

  function encode(value: unknown, path: string): Encoded {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'undefined':
      case 'number':
      case 'bigint':
        return value;
      case 'symbol':
        return encodeSymbol(value, path);
    }
    if (value === null) return null;
    const object = value as object;
    const remoteRef = remoteRefs.get(object);
    if (remoteRef !== undefined) return remoteRef;
    const intrinsic = intrinsics.pathOf(object);
    if (intrinsic !== undefined) return { $: 'i', p: intrinsic };
    if (copies.has(object)) return encodeCopy(copies.get(object), path);
    if (object instanceof Error || (name === 'dry' && isForeignError(object))) {
      const standsFor = options.thrownBy?.(object as Error);
      return standsFor ? encode(standsFor.value, path) : encodeError(object as Error, path);
    }
    if (object instanceof Promise) return { $: 'p', id: exportPromise(object) };
    if (object instanceof Date) return { $: 'dt', v: object.getTime() };
    // binary data crosses as a copy of its bytes, taken now (a later getter may write to it)
    if (object instanceof ArrayBuffer) return { $: 'ab', v: object.slice(0) };
    if (ArrayBuffer.isView(object)) {
      const view = object as ArrayBufferView;
      const viewName = Object.keys(VIEWS).find((c) => view instanceof VIEWS[c]!);
      if (!viewName) throw new NotSerializableError(path, 'a binary view of an unknown kind');
      const { buffer, byteOffset, byteLength } = view;
      // a view of a SharedArrayBuffer crosses as a copy in an ArrayBuffer
      const v =
        buffer instanceof ArrayBuffer
          ? buffer.slice(byteOffset, byteOffset + byteLength)
          : (new Uint8Array(buffer, byteOffset, byteLength).slice().buffer as ArrayBuffer);
      return { $: 'ta', c: viewName, v };
    }
    const kind: Kind = typeof object === 'function' ? 'f' : Array.isArray(object) ? 'a' : 'o';
    const id = exports.export(object);
    const objectName = options.nameOf?.(object);
    return objectName === undefined ? { $: 's', id, k: kind } : { $: 's', id, k: kind, n: objectName };
  }

  function encodeError(error: Error, path: string): Encoded {
    let stack = '';
    let errorName = 'Error';
    let message = '';
    try {
      errorName = String(error.name);
      message = String(error.message);
      // The host's frames stay on the host: they name its files, and differ between runtimes (and
      // between runs of one, with what its JIT compiled), so a journal or snapshot holding them
      // would not be the same bytes everywhere. The guest's frames are XS's, the same everywhere.
      if (name === 'wet') stack = typeof error.stack === 'string' ? error.stack : '';
      else stack = message === '' ? errorName : `${errorName}: ${message}`;
    } catch {
      // a getter threw: the error crosses with what could be read
    }
    const cause = Object.getOwnPropertyDescriptor(error, 'cause');
    if (!cause || !('value' in cause) || causeDepth >= MAX_CAUSES) return { $: 'e', n: errorName, m: message, s: stack };
    causeDepth++;
    try {
      return { $: 'e', n: errorName, m: message, s: stack, c: encode(cause.value, `${path}.cause`) };
    } finally {
      causeDepth--;
    }
  }
  // how deep the error being encoded is in a chain of causes
  let causeDepth = 0;

  /**
   * Plain data as a copy (copy()): records and arrays item by item, what is a copy anyway (a
   * primitive, a date, an error, binary data) as it is; the rest is refused, a cycle too.
   */
  function encodeCopy(value: unknown, path: string): Encoded {
    const trail: (string | number)[] = [];
    const open = new Set<object>();
    const where = () => `${path}${trail.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('')}`;
    const refuse = (what: string): never => {
      throw new NotSerializableError(where(), what, COPY_ADVICE);
    };
    const item = (value: unknown): Encoded => {
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
        return typeof value === 'symbol' ? encode(value, where()) : (value as Encoded);
      }
      const object = value as object;
      if (remoteRefs.has(object)) return refuse(`an object of the ${name === 'dry' ? 'guest' : 'host'}'s (a proxy)`);
      if (typeof object === 'function') return refuse('a function');
      if (object instanceof Date || object instanceof Error || object instanceof ArrayBuffer || ArrayBuffer.isView(object)) {
        return encode(object, where());
      }
      if (open.has(object)) return refuse('a cycle');
      if (open.size >= MAX_COPY_DEPTH) return refuse(`data nested deeper than ${MAX_COPY_DEPTH}`);
      open.add(object);
      let copied: Encoded;
      if (Array.isArray(object)) {
        const v = new Array<Encoded>(object.length);
        for (let i = 0; i < v.length; i++) {
          trail.push(i);
          v[i] = item(object[i]);
          trail.pop();
        }
        copied = { $: 'c', k: 1, v };
      } else {
        const prototype = Object.getPrototypeOf(object);
        if (prototype !== Object.prototype && prototype !== null) return refuse('an instance of a class');
        const keys = Object.keys(object);
        const v = new Array<Encoded>(keys.length * 2);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i]!;
          trail.push(key);
          v[2 * i] = key;
          v[2 * i + 1] = item((object as Record<string, unknown>)[key]);
          trail.pop();
        }
        copied = { $: 'c', k: 0, v };
      }
      open.delete(object);
      return copied;
    };
    return item(value);
  }

  /** A copy of plain data, made here: records and arrays of this side's. */
  function decodeCopy(e: { readonly k: 0 | 1; readonly v: readonly Encoded[] }): object {
    if (e.k === 1) {
      const array = new Array<unknown>(e.v.length);
      for (let i = 0; i < array.length; i++) array[i] = decode(e.v[i]!);
      return array;
    }
    if (e.v.length % 2 !== 0) throw new ProtocolError(`a copied record of ${e.v.length} items: not pairs of key and value`);
    const record: Record<string, unknown> = {};
    for (let i = 0; i < e.v.length; i += 2) {
      const key = e.v[i];
      if (typeof key !== 'string') throw new ProtocolError('a copied record has a key that is not a string');
      const value = decode(e.v[i + 1]!);
      // defined, not set: "__proto__" is a key like any other here
      if (key === '__proto__')
        Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
      else record[key] = value;
    }
    return record;
  }

  function encodeArgs(args: readonly unknown[]): Encoded[] {
    const encoded = new Array<Encoded>(args.length);
    for (let i = 0; i < args.length; i++) encoded[i] = encode(args[i], ARG_PATHS[i] ?? `args[${i}]`);
    return encoded;
  }

  // ---------------------------------------------------------------- decoding

  function decode(encoded: Encoded): unknown {
    if (encoded === null || typeof encoded !== 'object') return encoded;
    const e = encoded;
    switch (e.$) {
      case 'y':
        if ('r' in e) return Symbol.for(e.r);
        if (WELL_KNOWN_SYMBOLS.includes(e.w)) return symbolStatics[e.w];
        throw new ProtocolError(`unknown well-known symbol ${JSON.stringify(e.w)}`);
      case 's':
        return importObject(e.id, e.k);
      case 'd': {
        const value = local(e);
        guard.sentBack(value);
        return value;
      }
      case 'w':
        return local(e);
      case 'i': {
        const intrinsic = intrinsics.byPath(e.p);
        if (intrinsic === undefined) throw new ProtocolError(`the other side's intrinsic ${e.p} has no counterpart here`);
        // The guest's intrinsics stay the guest's. Given the host's own of that name, a guest that
        // passes `eval` or `Function` to a host function calling its callbacks would run host code,
        // and one passing `Object.prototype` to a host function that writes into its argument
        // (`Object.assign(target, ...)`) would change the host's.
        if (!shared) return typeof intrinsic === 'function' ? forwarder(e.p) : intrinsicProxy(e.p, intrinsic);
        return intrinsic;
      }
      case 'p':
        return importPromise(e.id);
      case 'e':
        return decodeError(e);
      case 'dt':
        return new Date(e.v);
      case 'ab':
        // the decoder's own copy: nothing else holds it
        return e.v;
      case 'ta': {
        const View = Object.hasOwn(VIEWS, e.c) ? VIEWS[e.c] : undefined;
        if (!View) throw new ProtocolError(`unknown binary view ${JSON.stringify(e.c)}`);
        const size = (View as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
        if (e.v.byteLength % size !== 0)
          throw new ProtocolError(`a ${e.c} of ${e.v.byteLength} bytes: not a whole number of elements`);
        return new View(e.v);
      }
      case 'c':
        return decodeCopy(e);
      default:
        throw new ProtocolError(`unknown value ${JSON.stringify(e)}`);
    }
  }

  function decodeArgs(args: readonly Encoded[]): unknown[] {
    if (!Array.isArray(args)) throw new TypeError('the arguments of a call must be an array');
    const decoded = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) decoded[i] = decode(args[i]!);
    return decoded;
  }

  function decodeError(encoded: { readonly n: string; readonly m: string; readonly s: string; readonly c?: Encoded }): Error {
    // own keys only: a name like "constructor" must not pick Object.prototype's
    const ownClass = errorClasses && Object.hasOwn(errorClasses, encoded.n) ? errorClasses[encoded.n] : undefined;
    const ErrorClass = Object.hasOwn(ERRORS, encoded.n) ? ERRORS[encoded.n]! : Error;
    // a class of this side's, by its name: made without running its constructor, whose arguments
    // the message does not carry
    const error: Error = ownClass ? Reflect.construct(Error, [encoded.m], ownClass) : new ErrorClass(encoded.m);
    if (error.name !== encoded.n) Object.defineProperty(error, 'name', { value: encoded.n, writable: true, configurable: true });
    const here = typeof error.stack === 'string' ? error.stack : '';
    const crossing = `    --- across the membrane (${name === 'dry' ? 'guest' : 'host'} above, ${name === 'dry' ? 'host' : 'guest'} below) ---`;
    Object.defineProperty(error, 'stack', { value: `${encoded.s}\n${crossing}\n${here}`, writable: true, configurable: true });
    if ('c' in encoded && encoded.c !== undefined) {
      Object.defineProperty(error, 'cause', { value: decode(encoded.c), writable: true, configurable: true });
    }
    return error;
  }

  /** The local object an incoming reference names. */
  function local(encoded: Encoded): object {
    if (encoded !== null && typeof encoded === 'object') {
      // the host works on the guest's intrinsics by name (see decode); the guest never on the host's
      if (encoded.$ === 'i' && shared) {
        const intrinsic = intrinsics.byPath(encoded.p);
        if (intrinsic !== null && (typeof intrinsic === 'object' || typeof intrinsic === 'function')) return intrinsic;
      }
      if (encoded.$ === 'd') {
        const entry = exports.entries.get(encoded.id);
        if (!entry) throw new RevokedError(`object #${encoded.id} of the ${name} side was released or never shared`);
        if (entry.value === undefined) {
          throw new RevokedError(
            `object #${encoded.id}${entry.name === undefined ? '' : ` ("${entry.name}")`} of the ${name} side did not survive the restore: ${entry.name === undefined ? 'it had no name' : 'nothing of that name was bound'}; give the restore an object of that name to keep it`,
          );
        }
        return entry.value;
      }
      if (encoded.$ === 'w') {
        const value = Object.hasOwn(wellKnownLocal, encoded.n) ? wellKnownLocal[encoded.n] : options.named?.(encoded.n);
        if (!value) throw new ProtocolError(`no well-known object ${JSON.stringify(encoded.n)} on the ${name} side`);
        return value;
      }
    }
    throw new ProtocolError(`the target of an operation must be an object of the ${name} side, not ${JSON.stringify(encoded)}`);
  }

  function importObject(id: number, kind: Kind): object {
    const known = imported.get(id);
    const existing = known?.ref?.deref();
    if (known && existing) {
      known.count++;
      return existing;
    }
    const record: ImportRecord = { id, count: 1, ref: undefined };
    const proxy = makeProxy(kind, { $: 'd', id });
    record.ref = new WeakRef(proxy);
    imported.set(id, record);
    registry.register(proxy, record);
    return proxy;
  }

  function importPromise(id: number): Promise<unknown> {
    const early = settledEarly.get(id);
    if (early) {
      settledEarly.delete(id);
      return early;
    }
    const known = remotePromises.get(id);
    if (known) return known.promise;
    // revoked while the call that sent it ran (a host function disposed the sandbox): its
    // settlement will never be let in, so it must not wait for one
    if (revoked) return Promise.reject(new RevokedError('the membrane was revoked before this promise settled'));
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    remotePromises.set(id, { promise, resolve, reject });
    return promise;
  }

  // ---------------------------------------------------------------- proxies of remote objects

  const printer = options.printedAs === undefined ? undefined : makePrinter(options.printedAs, (proxy) => remoteRefs.get(proxy));

  function makeProxy(kind: Kind, ref: Encoded): object {
    const target = makeTarget(kind, printer);
    targetRefs.set(target, ref);
    const proxy = new Proxy(target, handler);
    remoteRefs.set(proxy, ref);
    return proxy;
  }

  const targetRef = (target: object): Encoded => {
    const ref = targetRefs.get(target);
    if (ref === undefined) throw new MembraneError('not a proxy of this membrane');
    return ref;
  };
  const encodeKey = (key: string | symbol): Encoded => (typeof key === 'symbol' ? encodeSymbol(key, 'a property key') : key);
  const decodeKey = (key: Encoded): string | symbol => {
    const decoded = decode(key);
    if (typeof decoded !== 'string' && typeof decoded !== 'symbol')
      throw new ProtocolError('a property key must be a string or a symbol');
    return decoded;
  };

  /** A proxy of the other side's intrinsic object of that name (the host's view of the guest's). */
  function intrinsicProxy(path: string, counterpart: unknown): object {
    let proxy = intrinsicProxies.get(path);
    if (!proxy) {
      proxy = makeProxy(Array.isArray(counterpart) ? 'a' : 'o', { $: 'i', p: path });
      intrinsicProxies.set(path, proxy);
    }
    return proxy;
  }

  /**
   * The other side's intrinsic function of that name, called there: a method that reads internal
   * slots runs where its receiver lives, and on the host every function of the guest's does.
   */
  function forwarder(path: string): (...args: unknown[]) => unknown {
    let forward = forwarders.get(path);
    if (!forward) {
      // a method, so that `new` throws rather than send a fresh object of this side's as `this`
      forward = {
        forward(this: unknown, ...args: unknown[]) {
          return call({ op: 'apply', t: { $: 'i', p: path }, self: encode(this, 'this'), args: encodeArgs(args) });
        },
      }.forward;
      // named as the intrinsic it stands for (`Object`, `map`, `get size`), as printers show it
      Object.defineProperty(forward, 'name', { value: intrinsicName(path) });
      // sent back, it is the other side's own intrinsic again
      if (!shared) remoteRefs.set(forward, { $: 'i', p: path });
      forwarders.set(path, forward);
    }
    return forward;
  }

  /** A read's value as the reply gave it: a slot method of the other side's is read as its forwarder. */
  const readValue = (value: Encoded): unknown =>
    value !== null && typeof value === 'object' && value.$ === 'i' && isSlotMethod(value.p) ? forwarder(value.p) : decode(value);

  const jsHandler: ProxyHandler<object> = {
    get(target, key) {
      return readValue(replyValue(callRaw({ op: 'get', t: targetRef(target), k: encodeKey(key) })));
    },
    set(target, key, value) {
      return call({ op: 'set', t: targetRef(target), k: encodeKey(key), v: encode(value, 'the value set') }) as boolean;
    },
    has(target, key) {
      return call({ op: 'has', t: targetRef(target), k: encodeKey(key) }) as boolean;
    },
    deleteProperty(target, key) {
      return call({ op: 'delete', t: targetRef(target), k: encodeKey(key) }) as boolean;
    },
    ownKeys(target) {
      const list = callRaw({ op: 'keys', t: targetRef(target) });
      if (!Array.isArray(list)) throw new ProtocolError('the reply to keys must be a list');
      const keys = (list as readonly Encoded[]).map(decodeKey);
      // a proxy must list its target's non-configurable keys (an array's length, a function's prototype)
      for (const key of Reflect.ownKeys(target)) {
        if (!Reflect.getOwnPropertyDescriptor(target, key)!.configurable && !keys.includes(key)) keys.push(key);
      }
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      const encoded = callRaw({ op: 'describe', t: targetRef(target), k: encodeKey(key) });
      const descriptor = isDescriptor(encoded) ? decodeDescriptor(encoded) : undefined;
      const pinned = Reflect.getOwnPropertyDescriptor(target, key);
      if (pinned && !pinned.configurable) {
        // the target's own non-configurable property must be reported as such
        return descriptor ? { ...descriptor, configurable: false, writable: pinned.writable } : pinned;
      }
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    defineProperty(target, key, descriptor) {
      return call({ op: 'define', t: targetRef(target), k: encodeKey(key), d: encodeDescriptor(descriptor) }) as boolean;
    },
    getPrototypeOf(target) {
      return call({ op: 'proto', t: targetRef(target) }) as object | null;
    },
    setPrototypeOf() {
      return false;
    },
    isExtensible() {
      return true;
    },
    preventExtensions() {
      return false;
    },
    apply(target, self, args) {
      return call({ op: 'apply', t: targetRef(target), self: encode(self, 'this'), args: encodeArgs(args) });
    },
    construct(target, args) {
      return call({ op: 'construct', t: targetRef(target), args: encodeArgs(args) }) as object;
    },
  };

  const handler: ProxyHandler<object> = options.nativeTraps
    ? options.nativeTraps(jsHandler, {
        targetRefs,
        weakMapGet,
        encode,
        finish(value, outcome) {
          if (outcome === 2) throw thrownHere(value as Encoded);
          return outcome === 1 ? readValue(replyValue(value)) : decode(replyValue(value));
        },
        prepare() {
          checkLive();
          if (pendingSettlements.length > 0) flushSettlements();
        },
        gate,
      })
    : options.atCallSite
      ? trapsAtCallSite(jsHandler, options.atCallSite)
      : jsHandler;

  function encodeDescriptor(descriptor: PropertyDescriptor): EncodedDescriptor {
    const out: { v?: Encoded; g?: Encoded; s?: Encoded; w?: boolean; e?: boolean; c?: boolean } = {};
    if ('value' in descriptor) out.v = encode(descriptor.value, 'a property value');
    if (descriptor.get) out.g = encode(descriptor.get, 'a getter');
    if (descriptor.set) out.s = encode(descriptor.set, 'a setter');
    if (descriptor.writable !== undefined) out.w = descriptor.writable;
    if (descriptor.enumerable !== undefined) out.e = descriptor.enumerable;
    if (descriptor.configurable !== undefined) out.c = descriptor.configurable;
    return out;
  }

  // XS refuses a proxy as the getter or setter of a descriptor a proxy trap returns ("get is no
  // function"): an accessor of the other side's is a plain function here that calls it, one per
  // proxy, and it crosses back as the original
  const accessors = new WeakMap<object, (...args: unknown[]) => unknown>();
  function accessor(value: unknown): ((...args: unknown[]) => unknown) | undefined {
    if (typeof value !== 'function') return value as undefined;
    const ref = remoteRefs.get(value);
    if (ref === undefined) return value as (...args: unknown[]) => unknown;
    let plain = accessors.get(value);
    if (!plain) {
      const remote = value;
      plain = {
        accessor(this: unknown, ...args: unknown[]) {
          return Reflect.apply(remote, this, args);
        },
      }.accessor;
      remoteRefs.set(plain, ref);
      accessors.set(value, plain);
    }
    return plain;
  }

  function decodeDescriptor(encoded: EncodedDescriptor): PropertyDescriptor {
    const out: PropertyDescriptor = {};
    if ('v' in encoded) out.value = decode(encoded.v as Encoded);
    if ('g' in encoded) out.get = accessor(decode(encoded.g as Encoded));
    if ('s' in encoded) out.set = accessor(decode(encoded.s as Encoded));
    if ('w' in encoded) out.writable = encoded.w;
    if ('e' in encoded) out.enumerable = encoded.e;
    if ('c' in encoded) out.configurable = encoded.c;
    return out;
  }

  // ---------------------------------------------------------------- requests from the other side

  const perform = makeDispatch({
    guard,
    intrinsics,
    shared,
    local,
    decode,
    decodeKey,
    decodeArgs,
    decodeDescriptor,
    isRemote: (value) => remoteRefs.has(value),
    settle(request) {
      if (orphaned.delete(request.id)) return;
      const pending = remotePromises.get(request.id);
      const outcome = 'err' in request ? { err: thrownHere(request.err as Encoded) } : { ok: decode(request.ok as Encoded) };
      if (!pending) {
        if (settledEarly.has(request.id)) throw new ProtocolError(`promise #${request.id} was settled twice`);
        const early = 'err' in outcome ? Promise.reject(outcome.err) : Promise.resolve(outcome.ok);
        early.catch(() => {}); // handled where it is read
        settledEarly.set(request.id, early);
        return;
      }
      remotePromises.delete(request.id);
      if ('err' in outcome) pending.reject(outcome.err);
      else pending.resolve(outcome.ok);
    },
    release: (id, count) => exports.release(id, count),
  });

  function encodeResult(request: Request, result: unknown): Payload {
    if (request.op === 'apply' || request.op === 'get') return encode(result, 'the result');
    if (request.op === 'keys') return (result as (string | symbol)[]).map(encodeKey);
    if (request.op === 'describe') return result === undefined ? undefined : encodeDescriptor(result as PropertyDescriptor);
    return encode(result, 'the result');
  }

  function encodeThrown(error: unknown): Encoded {
    try {
      return encode(error, 'the thrown value');
    } catch (unencodable) {
      return encode(unencodable, 'the thrown value');
    }
  }

  function receive(request: Request): Reply {
    try {
      checkLive();
      return { ok: encodeResult(request, perform(request)) };
    } catch (error) {
      return { err: encodeThrown(error) };
    }
  }

  // A message that could not go (the other side refused the call: a spent meter, say) stays
  // queued for the next flush; once revoked, nobody is left to tell.
  /** Sends the settlements waiting, oldest first; what the other side refuses waits for the next call. */
  function flushSettlements(): void {
    try {
      while (!revoked && pendingSettlements.length > 0) {
        send(pendingSettlements[0]!);
        pendingSettlements.shift();
        updateGate();
      }
    } catch {
      // kept for the next call (or lost with the other side, if it is gone)
    }
    updateGate();
  }

  function flushReleases(): void {
    flushSettlements();
    try {
      while (!revoked && pendingRejections.length > 0) {
        const id = pendingRejections[0]!;
        const gone = new RevokedError(`the host that made promise #${id} is gone (restored from a snapshot or journal)`);
        send({ op: 'settle', id, err: encode(gone, 'the settlement') });
        pendingRejections.shift();
      }
      if (!revoked && pendingReleases.length > 0) {
        const ids = pendingReleases.slice();
        send({ op: 'release', ids });
        pendingReleases.splice(0, ids.length);
      }
    } catch {
      // kept for the next flush
    }
  }

  return Object.freeze({
    receive,
    // a well-known object is addressed by name, and never released
    wellKnown: (wellKnownName: string, kind: 'o' | 'f' = 'o') => makeProxy(kind, { $: 'w', n: wellKnownName }),
    revoke: () => {
      revoked = true;
      updateGate();
      exports.clear();
      for (const pending of remotePromises.values())
        pending.reject(new RevokedError('the membrane was revoked before this promise settled'));
      remotePromises.clear();
    },
    flushReleases,
    adopt(tables: AdoptedTables): void {
      checkLive();
      exports.adopt(tables);
      for (const id of tables.awaited) orphaned.add(id);
      // Told with the next flush, not now: right after a restore the other side must be exactly
      // as the journal left it (a snapshot taken then is byte-identical to the old host's).
      pendingReleases.push(...tables.imported);
      pendingRejections.push(...tables.promises);
    },
    stats: () => ({ exported: exports.entries.size, imported: imported.size, promises: remotePromises.size }),
    fastPath: () => ({ exported: exports.entries, encodeResult: (value: unknown) => encode(value, 'the result'), encodeThrown }),
  });
}

const isDescriptor = (payload: Payload): payload is EncodedDescriptor =>
  payload !== null && typeof payload === 'object' && !Array.isArray(payload) && (payload as { $?: unknown }).$ === undefined;

/** A reply's value where the request gives a value, not a list or a descriptor. */
function replyValue(payload: Payload): Encoded {
  if (payload !== null && typeof payload === 'object' && (Array.isArray(payload) || isDescriptor(payload))) {
    throw new ProtocolError(`a ${Array.isArray(payload) ? 'list' : 'descriptor'} came where a value was expected`);
  }
  return payload as Encoded;
}

/**
 * The traps of `handler`, each giving what it throws to `fix` with itself as the boundary (see
 * MembraneSideOptions.atCallSite). Spelt out trap by trap: a call through a proxy is the
 * membrane's hottest path, and rest arguments would allocate on each.
 */
function trapsAtCallSite(
  handler: ProxyHandler<object>,
  fix: (error: unknown, boundary: (...args: never[]) => unknown) => unknown,
): ProxyHandler<object> {
  const h = handler as Required<ProxyHandler<object>>;
  const traps: ProxyHandler<object> = {
    get(target, key, receiver) {
      try {
        return h.get(target, key, receiver);
      } catch (error) {
        throw fix(error, traps.get!);
      }
    },
    set(target, key, value, receiver) {
      try {
        return h.set(target, key, value, receiver);
      } catch (error) {
        throw fix(error, traps.set!);
      }
    },
    has(target, key) {
      try {
        return h.has(target, key);
      } catch (error) {
        throw fix(error, traps.has!);
      }
    },
    deleteProperty(target, key) {
      try {
        return h.deleteProperty(target, key);
      } catch (error) {
        throw fix(error, traps.deleteProperty!);
      }
    },
    ownKeys(target) {
      try {
        return h.ownKeys(target);
      } catch (error) {
        throw fix(error, traps.ownKeys!);
      }
    },
    getOwnPropertyDescriptor(target, key) {
      try {
        return h.getOwnPropertyDescriptor(target, key);
      } catch (error) {
        throw fix(error, traps.getOwnPropertyDescriptor!);
      }
    },
    defineProperty(target, key, descriptor) {
      try {
        return h.defineProperty(target, key, descriptor);
      } catch (error) {
        throw fix(error, traps.defineProperty!);
      }
    },
    getPrototypeOf(target) {
      try {
        return h.getPrototypeOf(target);
      } catch (error) {
        throw fix(error, traps.getPrototypeOf!);
      }
    },
    setPrototypeOf: h.setPrototypeOf,
    isExtensible: h.isExtensible,
    preventExtensions: h.preventExtensions,
    apply(target, self, args) {
      try {
        return h.apply(target, self, args);
      } catch (error) {
        throw fix(error, traps.apply!);
      }
    },
    construct(target, args, newTarget) {
      try {
        return h.construct(target, args, newTarget);
      } catch (error) {
        throw fix(error, traps.construct!);
      }
    },
  };
  return traps;
}

/** The name of the function at an intrinsic's path (intrinsics.ts): `Array.prototype.map` → `map`. */
function intrinsicName(path: string): string {
  const accessor = /<([gs]et)>$/.exec(path);
  const bare = accessor ? path.slice(0, -5) : path;
  const symbol = /\[@@(\w+)\]$/.exec(bare);
  const name = symbol ? `[Symbol.${symbol[1]}]` : bare.slice(bare.lastIndexOf('.') + 1);
  return accessor ? `${accessor[1]} ${name}` : name;
}
