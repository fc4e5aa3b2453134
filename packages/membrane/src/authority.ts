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
import { symbolStatics, WELL_KNOWN_SYMBOLS } from './symbols.js';

// Captured when the module loads: host code that runs later cannot redirect the guard.
const { apply, get, getOwnPropertyDescriptor, getPrototypeOf, set, deleteProperty, defineProperty, ownKeys } = Reflect;
const { isArray } = Array;
const weakSetHas = WeakSet.prototype.has;
const weakSetAdd = WeakSet.prototype.add;
const weakMapGet = WeakMap.prototype.get;
const weakMapSet = WeakMap.prototype.set;
const regExpTest = RegExp.prototype.test;

const writableObjects = new WeakSet<object>();
/**
 * What the guest reached through a prototype path, read off a function or a shared object, or
 * found as a data property up an object's prototype chain: shared by many host objects, so never
 * writable, never `this` of a call, never handed back to the host.
 */
const sharedObjects = new WeakSet<object>();
/** The host functions the guest read off each host object: the methods it may call on it. */
const methodsRead = new WeakMap<object, WeakSet<object>>();
const isMarked = (set: WeakSet<object>, value: object): boolean => apply(weakSetHas, set, [value]) as boolean;
const mark = (set: WeakSet<object>, value: object): void => {
  apply(weakSetAdd, set, [value]);
};

/** Keys through which a guest reaches what many host objects share. */
const SHARING_KEYS: ReadonlySet<string | symbol> = new Set(['constructor', 'prototype', '__proto__']);

/**
 * Keys the language reads and calls on its own (await, iteration, conversion, species, JSON):
 * a guest function stored under one would run whenever host code used the object, uncalled.
 */
const IMPLICIT_KEYS: ReadonlySet<string | symbol> = new Set<string | symbol>([
  'then',
  'constructor',
  'toJSON',
  'toString',
  'valueOf',
  'toLocaleString',
  ...WELL_KNOWN_SYMBOLS.map((name) => symbolStatics[name]!),
]);

const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/;

const isObject = (value: unknown): value is object =>
  (typeof value === 'object' && value !== null) || typeof value === 'function';

/** A class's prototype: it has its own `constructor` whose `prototype` is itself (read without running getters). */
function isClassPrototype(value: object): boolean {
  const owner = getOwnPropertyDescriptor(value, 'constructor');
  if (!owner || !('value' in owner) || typeof owner.value !== 'function') return false;
  const prototype = getOwnPropertyDescriptor(owner.value, 'prototype');
  return prototype !== undefined && 'value' in prototype && prototype.value === value;
}

/** Shared by many host objects (functions are shared too, but may be called and handed back). */
const isShared = (value: object): boolean =>
  typeof value !== 'function' && (isMarked(sharedObjects, value) || isClassPrototype(value));

/** Whether `key` of `target` is a data property found up its prototype chain rather than its own. */
function isInheritedData(target: object, key: string | symbol): boolean {
  if (getOwnPropertyDescriptor(target, key)) return false;
  for (let holder = getPrototypeOf(target); holder !== null; holder = getPrototypeOf(holder)) {
    const descriptor = getOwnPropertyDescriptor(holder, key);
    if (descriptor) return 'value' in descriptor;
  }
  return false;
}

const keyText = (key: string | symbol): string => (typeof key === 'symbol' ? `[${String(key)}]` : JSON.stringify(key));
const WRITABLE_HINT = 'A host that means the guest to change an object hands it as writable(object), from @xsb/sandbox';

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
  return isMarked(writableObjects, value) && !isShared(value);
}

function checkWrite(target: object, key: string | symbol, what: string, value?: unknown): void {
  if (key === '__proto__') {
    throw new TypeError(
      `the guest may not ${what} __proto__ of a host object: a host object's prototype never changes from the guest`,
    );
  }
  if (!isWritable(target)) {
    const kind = typeof target === 'function' ? 'host function (functions and their statics are shared)' : 'host object';
    throw new TypeError(`the guest may not ${what} ${keyText(key)} of a ${kind}: the host handed it read-only. ${WRITABLE_HINT}`);
  }
  if (IMPLICIT_KEYS.has(key)) {
    throw new TypeError(
      `the guest may not ${what} ${keyText(key)} of a host object, even a writable one: the language calls it implicitly, so host code would run guest code it never called`,
    );
  }
  if (isArray(target) && what !== 'delete') {
    // one cheap message must not make a host loop over the array run for billions of steps
    const { length } = target as unknown[];
    const grows =
      key === 'length'
        ? !(typeof value === 'number' && value <= length)
        : typeof key === 'string' && (apply(regExpTest, ARRAY_INDEX, [key]) as boolean) && Number(key) > length;
    if (grows) {
      throw new TypeError(
        `the guest may not ${what} ${keyText(key)} of a writable host array of length ${length}: it grows only by appending (push), and shrinks`,
      );
    }
  }
}

const stringStartsWith = String.prototype.startsWith;
const regExpSource = getOwnPropertyDescriptor(RegExp.prototype, 'source')!.get!;
/** A RegExp by its internal slots (RegExp.prototype itself has none, but answers the getter). */
function isRegExp(value: unknown): boolean {
  if (value === RegExp.prototype) return false;
  try {
    apply(regExpSource, value, []);
    return true;
  } catch {
    return false;
  }
}

function refuseByName(path: string, what: string): never {
  throw new TypeError(`the guest may not apply ${path} to ${what}: a built-in method runs on the object it belongs to`);
}

/** Notes what reading `key` of `target` gave the guest: methods it may call on target, and what is shared. */
function reached(target: object, key: string | symbol, value: unknown, inherited: () => boolean): void {
  if (!isObject(value)) return;
  if (typeof value === 'function') {
    let methods = apply(weakMapGet, methodsRead, [target]) as WeakSet<object> | undefined;
    if (!methods) apply(weakMapSet, methodsRead, [target, (methods = new WeakSet())]);
    mark(methods, value);
  } else if (typeof target === 'function' || SHARING_KEYS.has(key) || isShared(target) || inherited()) {
    mark(sharedObjects, value);
  }
}

/**
 * A sloppy host function's `caller` and `arguments` are the host's call stack: its caller, and the
 * arguments it was called with, neither of them handed to the guest. Strict ones throw on reading
 * them, with each engine's own words. To the guest, functions have neither.
 */
const isCallStackKey = (target: object, key: string | symbol): boolean =>
  typeof target === 'function' && (key === 'caller' || key === 'arguments');

/** How the host performs the guest's requests on host objects. */
export const hostObjectGuard: ObjectGuard = Object.freeze({
  get(target: object, key: string | symbol): unknown {
    if (isCallStackKey(target, key)) return undefined;
    const value = get(target, key);
    reached(target, key, value, () => isInheritedData(target, key));
    return value;
  },
  describe(target: object, key: string | symbol): PropertyDescriptor | undefined {
    if (isCallStackKey(target, key)) return undefined;
    const descriptor = getOwnPropertyDescriptor(target, key);
    if (descriptor && 'value' in descriptor) reached(target, key, descriptor.value, () => false);
    // a getter is a method of the object it was read off, like one read with get; a setter is a
    // write, so it runs only on what is writable
    if (descriptor?.get) reached(target, key, descriptor.get, () => false);
    return descriptor;
  },
  keys(target: object): (string | symbol)[] {
    const keys = ownKeys(target);
    return typeof target === 'function' ? keys.filter((key) => !isCallStackKey(target, key)) : keys;
  },
  proto(target: object): object | null {
    const prototype = getPrototypeOf(target);
    if (prototype !== null) mark(sharedObjects, prototype);
    return prototype;
  },
  set(target: object, key: string | symbol, value: unknown): boolean {
    checkWrite(target, key, 'set', value);
    return set(target, key, value);
  },
  delete(target: object, key: string | symbol): boolean {
    checkWrite(target, key, 'delete');
    return deleteProperty(target, key);
  },
  define(target: object, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    checkWrite(target, key, 'define', descriptor.value);
    // an accessor would run guest code whenever host code reads the property, and throw once the
    // sandbox is gone: the guest writes values only
    if ('get' in descriptor || 'set' in descriptor) {
      throw new TypeError(`the guest may define only values on a host object, not a getter or setter (${keyText(key)})`);
    }
    return defineProperty(target, key, descriptor);
  },
  sentBack(value: object): void {
    if (isShared(value)) {
      throw new TypeError(
        'the guest may not hand a host prototype, or what it reached through one, back to the host: it is shared by every instance, and host code given it could change them all. Hand the instance instead',
      );
    }
  },
  call(fn: object, self: object): void {
    if (isWritable(self)) return;
    for (let holder: object | null = self; holder !== null; holder = getPrototypeOf(holder)) {
      const methods = apply(weakMapGet, methodsRead, [holder]) as WeakSet<object> | undefined;
      // what was read off a writable object the guest may have put there itself: it vouches for
      // that object alone, not for what inherits from it
      if (methods && isMarked(methods, fn) && (holder === self || !isMarked(writableObjects, holder))) return;
    }
    throw new TypeError(
      'the guest may call a host function with a host object as `this` only if it read that function off the object (or off what the object inherits from): a method works on the object it came with',
    );
  },
  callByName(path: string, self: unknown, locals: readonly object[]): void {
    // a built-in method (Map's, Set's, RegExp's) runs on the host object it belongs to, with the
    // guest's own functions as callbacks: a host function given to forEach would run with a
    // `this` of the guest's choosing
    if (typeof self === 'function') refuseByName(path, 'a function (a class and its statics are shared)');
    for (const local of locals) {
      if (local !== self && typeof local === 'function') refuseByName(path, 'a host function as an argument');
    }
    if (apply(stringStartsWith, path, ['RegExp.prototype'])) {
      // compile rewrites the host's pattern (and could make it backtrack for ever, outside any meter)
      if (path === 'RegExp.prototype.compile') refuseByName(path, "a host RegExp: it would rewrite the host's pattern");
      // the @@match/@@replace/@@search/@@split methods read and write lastIndex of whatever `this` is
      if (self !== undefined && !isRegExp(self)) refuseByName(path, 'what is not a RegExp');
    }
  },
});
