// The other side's requests, performed: one handler per op, as Endo's CapTP keys its handlers by
// message type. What a request may do to this side's objects is the guard's to say.
import { ProtocolError } from './errors.js';
import type { ObjectGuard } from './guard.js';
import { type Intrinsics, isSlotMethod } from './intrinsics.js';
import type { Encoded, EncodedDescriptor, Request } from './protocol.js';
import { symbolStatics, WELL_KNOWN_SYMBOLS } from './symbols.js';

/** What performing a request needs of its side. */
export interface DispatchContext {
  readonly guard: ObjectGuard;
  readonly intrinsics: Intrinsics;
  /** The other side may call any intrinsic of this side's by name (MembraneSideOptions.intrinsicsNamed 'shared'). */
  readonly shared: boolean;
  /** The object of this side's a target names (an id, a well-known name, an intrinsic). */
  local(encoded: Encoded): object;
  decode(encoded: Encoded): unknown;
  decodeKey(encoded: Encoded): string | symbol;
  decodeArgs(args: readonly Encoded[]): unknown[];
  decodeDescriptor(encoded: EncodedDescriptor): PropertyDescriptor;
  /** Whether a value is a proxy of the other side's, not an object of this side's. */
  isRemote(value: object): boolean;
  /** The other side settled a promise this side awaits. */
  settle(request: Extract<Request, { op: 'settle' }>): void;
  /** The other side dropped `count` sends of this side's id. */
  release(id: number, count: number): void;
}

// Captured as the module loads: in the guest, before guest code can replace them
const { apply, construct, has } = Reflect;

/** Whether `new fn()` would construct: a new.target must be a constructor, and fn never runs. */
function isConstructor(fn: object): boolean {
  try {
    construct(Object, [], fn as new () => unknown);
    return true;
  } catch {
    return false;
  }
}

type Handlers = { readonly [Op in Request['op']]: (request: Extract<Request, { op: Op }>) => unknown };

/** Performs one request of the other side's; returns what it gives, before encoding. */
export function makeDispatch(context: DispatchContext): (request: Request) => unknown {
  const { guard, intrinsics, shared, local, decode, decodeKey, decodeArgs, decodeDescriptor } = context;
  // what runs here on this side's own objects (not proxies of the other side's) is the guard's to allow
  const isLocal = (value: unknown): value is object =>
    value !== null && (typeof value === 'object' || typeof value === 'function') && !context.isRemote(value);

  const handlers: Handlers = {
    apply(request) {
      const target = request.t;
      // by name: the host may call any of the guest's intrinsics (see decode), the guest only
      // the host's methods that must run where their receiver lives
      const byName = target !== null && typeof target === 'object' && target.$ === 'i' && (shared || isSlotMethod(target.p));
      const fn = byName ? intrinsics.byPath(target.p) : local(target);
      if (typeof fn !== 'function') throw new TypeError('the target of a call is not a function');
      const self = decode(request.self);
      const args = decodeArgs(request.args);
      if (byName) guard.callByName(target.p, isLocal(self) ? self : undefined, args.filter(isLocal));
      else if (isLocal(self)) guard.call(fn, self);
      return apply(fn, self, args);
    },
    get: (request) => guard.get(local(request.t), decodeKey(request.k)),
    set: (request) => guard.set(local(request.t), decodeKey(request.k), decode(request.v)),
    has: (request) => has(local(request.t), decodeKey(request.k)),
    delete: (request) => guard.delete(local(request.t), decodeKey(request.k)),
    // keys that cannot cross (unique symbols) are not shown to the other side
    keys: (request) =>
      guard
        .keys(local(request.t))
        .filter(
          (key) =>
            typeof key === 'string' ||
            Symbol.keyFor(key) !== undefined ||
            WELL_KNOWN_SYMBOLS.some((w) => symbolStatics[w] === key),
        ),
    describe: (request) => guard.describe(local(request.t), decodeKey(request.k)),
    define: (request) => guard.define(local(request.t), decodeKey(request.k), decodeDescriptor(request.d)),
    proto: (request) => guard.proto(local(request.t)),
    construct(request) {
      const fn = local(request.t);
      // checked before the engine does: its own message quotes the function's source (V8's does)
      if (typeof fn !== 'function' || !isConstructor(fn)) throw new TypeError('the target of new is not a constructor');
      return construct(fn, decodeArgs(request.args));
    },
    settle: (request) => context.settle(request),
    release(request) {
      for (const [id, count] of request.ids) context.release(id, count);
    },
  };

  return (request) => {
    const handle = Object.hasOwn(handlers, request.op) ? handlers[request.op] : undefined;
    if (handle === undefined) throw new ProtocolError(`unknown operation ${JSON.stringify(request.op)}`);
    return (handle as (request: Request) => unknown)(request);
  };
}
