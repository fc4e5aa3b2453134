// What the guest may do to the host's objects it holds: read them and call them, and write only
// to the ones the host marked with `writable()`. Host classes are shared by every instance in
// the process (and by every sandbox), so prototypes, constructors, their statics and whatever is
// reached through them are never writable from a guest, and no path changes a host object's
// prototype: a guest that could rewrite `EventEmitter.prototype.emit` or
// `TextDecoder.prototype.decode` would run its code in every holder of that class.
//
// The host's side of the membrane performs the guest's requests through `hostObjectGuard`; the
// guest's side performs the host's with `fullAuthority` (the host may do anything to the guest).
import type { ObjectGuard } from './guard.js';

// Captured when the module loads: host code that runs later cannot redirect the guard.
const { apply, get, getOwnPropertyDescriptor, getPrototypeOf, set, deleteProperty, defineProperty } = Reflect;
const weakSetHas = WeakSet.prototype.has;
const weakSetAdd = WeakSet.prototype.add;

const writableObjects = new WeakSet<object>();
/** Objects a guest reached through a prototype path, or off a function: shared, never writable. */
const sharedObjects = new WeakSet<object>();
const isMarked = (set: WeakSet<object>, value: object): boolean => apply(weakSetHas, set, [value]) as boolean;
const mark = (set: WeakSet<object>, value: object): void => {
  apply(weakSetAdd, set, [value]);
};

/** Keys through which a guest reaches what many host objects share. */
const SHARING_KEYS: ReadonlySet<string | symbol> = new Set(['constructor', 'prototype', '__proto__']);

const isObject = (value: unknown): value is object =>
  (typeof value === 'object' && value !== null) || typeof value === 'function';

/** A class's prototype: it has its own `constructor` whose `prototype` is itself (read without running getters). */
function isClassPrototype(value: object): boolean {
  const owner = getOwnPropertyDescriptor(value, 'constructor');
  if (!owner || !('value' in owner) || typeof owner.value !== 'function') return false;
  const prototype = getOwnPropertyDescriptor(owner.value, 'prototype');
  return prototype !== undefined && 'value' in prototype && prototype.value === value;
}

const keyText = (key: string | symbol): string => (typeof key === 'symbol' ? `[${String(key)}]` : JSON.stringify(key));

/**
 * Lets every guest that holds `value` (a plain object or an array of the host's) set, delete and
 * define its own properties. Returns `value`. Functions, class prototypes and what the guest
 * reached through a prototype path stay read-only whatever their mark: they are shared.
 */
export function writable<T extends object>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(
      `writable() takes a plain object or an array of the host's, got ${typeof value === 'function' ? 'a function: functions and their statics are shared, never writable' : String(value)}`,
    );
  }
  if (isClassPrototype(value)) {
    throw new TypeError(
      `writable() was given ${value.constructor.name || 'a class'}.prototype, which every instance shares: hand the guest an instance, or a plain object of its own`,
    );
  }
  mark(writableObjects, value);
  return value;
}

/** Whether the guest may write to `value` (see writable). */
export function isWritable(value: object): boolean {
  return isMarked(writableObjects, value) && !isMarked(sharedObjects, value) && !isClassPrototype(value);
}

function refuse(target: object, key: string | symbol, what: string): never {
  if (key === '__proto__') {
    throw new TypeError(
      `the guest may not ${what} __proto__ of a host object: a host object's prototype never changes from the guest`,
    );
  }
  const kind = typeof target === 'function' ? 'host function (functions and their statics are shared)' : 'host object';
  throw new TypeError(
    `the guest may not ${what} ${keyText(key)} of a ${kind}: the host handed it read-only. A host that means the guest to change an object hands it as writable(object), from @xsb/sandbox`,
  );
}

function checkWrite(target: object, key: string | symbol, what: string): void {
  if (key === '__proto__' || !isWritable(target)) refuse(target, key, what);
}

/** Notes what the guest reached through a prototype path or off a function: never writable. */
function reached(target: object, key: string | symbol, value: unknown): void {
  if (isObject(value) && (typeof target === 'function' || SHARING_KEYS.has(key))) mark(sharedObjects, value);
}

/** How the host performs the guest's requests on host objects. */
export const hostObjectGuard: ObjectGuard = Object.freeze({
  get(target: object, key: string | symbol): unknown {
    const value = get(target, key);
    reached(target, key, value);
    return value;
  },
  describe(target: object, key: string | symbol): PropertyDescriptor | undefined {
    const descriptor = getOwnPropertyDescriptor(target, key);
    if (descriptor && 'value' in descriptor) reached(target, key, descriptor.value);
    return descriptor;
  },
  proto(target: object): object | null {
    const prototype = getPrototypeOf(target);
    if (prototype !== null) mark(sharedObjects, prototype);
    return prototype;
  },
  set(target: object, key: string | symbol, value: unknown): boolean {
    checkWrite(target, key, 'set');
    return set(target, key, value);
  },
  delete(target: object, key: string | symbol): boolean {
    checkWrite(target, key, 'delete');
    return deleteProperty(target, key);
  },
  define(target: object, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    checkWrite(target, key, 'define');
    // an accessor would run guest code whenever host code reads the property, and throw once the
    // sandbox is gone: the guest writes values only
    if ('get' in descriptor || 'set' in descriptor) {
      throw new TypeError(`the guest may define only values on a host object, not a getter or setter (${keyText(key)})`);
    }
    return defineProperty(target, key, descriptor);
  },
});
