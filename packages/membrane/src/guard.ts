// How a side of the membrane performs the other side's reads and writes on its own objects: the
// host's side guards them (authority.ts), the guest's side lets the host do anything.

/** How one side performs the other side's reads and writes on its objects (see side.ts). */
export interface ObjectGuard {
  get(target: object, key: string | symbol): unknown;
  describe(target: object, key: string | symbol): PropertyDescriptor | undefined;
  /** The own keys the other side may list. */
  keys(target: object): (string | symbol)[];
  proto(target: object): object | null;
  set(target: object, key: string | symbol, value: unknown): boolean;
  delete(target: object, key: string | symbol): boolean;
  define(target: object, key: string | symbol, descriptor: PropertyDescriptor): boolean;
  /** A local object the other side sends back as a value: an argument, `this`, a result, a property value. */
  sentBack(value: object): void;
  /** Before a local function runs for the other side with a local object as `this`. */
  call(fn: object, self: object): void;
  /**
   * Before a built-in method the other side named (`path`, see isSlotMethod) runs here on `self`;
   * `locals` are the arguments that are this side's own objects.
   */
  callByName(path: string, self: unknown, locals: readonly object[]): void;
}

// Captured as the module loads: in the guest, before guest code can replace Reflect's methods
// (the guest's side would follow them, and a guest could tell the fast path, which does not)
const { get, getOwnPropertyDescriptor, getPrototypeOf, set, deleteProperty, defineProperty, ownKeys } = Reflect;

/** The other side may do anything: how the guest performs the host's requests. */
export const fullAuthority: ObjectGuard = Object.freeze({
  get: (target: object, key: string | symbol) => get(target, key),
  describe: (target: object, key: string | symbol) => getOwnPropertyDescriptor(target, key),
  keys: (target: object) => ownKeys(target),
  proto: (target: object) => getPrototypeOf(target),
  set: (target: object, key: string | symbol, value: unknown) => set(target, key, value),
  delete: (target: object, key: string | symbol) => deleteProperty(target, key),
  define: (target: object, key: string | symbol, descriptor: PropertyDescriptor) => defineProperty(target, key, descriptor),
  sentBack: () => {},
  call: () => {},
  callByName: () => {},
});
