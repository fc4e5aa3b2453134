// A realm's intrinsics, named by path. They never cross the membrane as objects: a side sends an
// intrinsic by name and the other side substitutes its own of that name, so the host's Function,
// Object.prototype and the like can never be reached, called or changed from the guest (nor the
// guest's from the host).
import { ECMASCRIPT_GLOBALS } from '@xsb/xs-wasm/globals';

/** The walk starts from the ECMAScript globals (not globalThis: the host's has more). */
const ROOTS = ECMASCRIPT_GLOBALS.filter((name) => name !== 'globalThis');

/** Intrinsics no global property leads to, reached from values only the engine can make. */
function hiddenRoots(): [string, unknown][] {
  const proto = Object.getPrototypeOf;
  const generator = function* () {};
  const asyncFunction = async () => {};
  const asyncGenerator = async function* () {};
  return [
    ['%GeneratorFunction%', proto(generator).constructor],
    ['%AsyncFunction%', proto(asyncFunction).constructor],
    ['%AsyncGeneratorFunction%', proto(asyncGenerator).constructor],
    ['%IteratorPrototype%', proto(proto([][Symbol.iterator]()))],
    ['%ArrayIteratorPrototype%', proto([][Symbol.iterator]())],
    ['%MapIteratorPrototype%', proto(new Map()[Symbol.iterator]())],
    ['%SetIteratorPrototype%', proto(new Set()[Symbol.iterator]())],
    ['%StringIteratorPrototype%', proto(''[Symbol.iterator]())],
    ['%RegExpStringIteratorPrototype%', proto(/a/[Symbol.matchAll]('a'))],
    ['%TypedArray%', proto(Uint8Array)],
  ];
}

/**
 * Prototypes whose methods read internal slots, so that they fail on a proxy: called on a remote
 * object, such a method is applied by the object's own side instead (by name, see side.ts).
 */
const SLOT_PROTOTYPES = [
  'Map.prototype',
  'Set.prototype',
  'WeakMap.prototype',
  'WeakSet.prototype',
  'WeakRef.prototype',
  'FinalizationRegistry.prototype',
  'Date.prototype',
  'Promise.prototype',
  'ArrayBuffer.prototype',
  'SharedArrayBuffer.prototype',
  'DataView.prototype',
  '%TypedArray%.prototype',
  'RegExp.prototype',
  'Boolean.prototype',
  'Number.prototype',
  'String.prototype',
  'Symbol.prototype',
  'BigInt.prototype',
  '%MapIteratorPrototype%',
  '%SetIteratorPrototype%',
  '%ArrayIteratorPrototype%',
  '%StringIteratorPrototype%',
  '%RegExpStringIteratorPrototype%',
  '%GeneratorFunction%.prototype.prototype',
  '%AsyncGeneratorFunction%.prototype.prototype',
];

/** Whether the intrinsic at `path` is a method that must run where its receiver lives. */
export function isSlotMethod(path: unknown): boolean {
  // the path comes from the other side's message: it may be anything
  if (typeof path !== 'string') return false;
  return SLOT_PROTOTYPES.some((prototype) => path.startsWith(`${prototype}.`) || path.startsWith(`${prototype}[`));
}

export interface Intrinsics {
  readonly pathOf: (value: object) => string | undefined;
  readonly byPath: (path: string) => object | undefined;
}

const symbolName = (symbol: symbol): string | undefined => {
  const description = symbol.description ?? '';
  return description.startsWith('Symbol.') && (Symbol as unknown as Record<string, unknown>)[description.slice(7)] === symbol
    ? `[@@${description.slice(7)}]`
    : undefined;
};

/**
 * Walks the realm of `global` breadth first from its ECMAScript globals and hidden intrinsics
 * through own properties (values, getters, setters), then through prototypes, naming each object
 * by the first path found. Property paths come first, so names read as they are written
 * (`Function.prototype`, not `Array<proto>`), and both realms walk alike, so they agree on names.
 */
export function collectIntrinsics(global: typeof globalThis): Intrinsics {
  const paths = new Map<object, string>();
  const objects = new Map<string, object>();
  const root = global as unknown as Record<string, unknown>;
  let queue: [string, unknown][] = ROOTS.filter((name) => name in root).map((name) => [name, root[name]]);
  queue.push(...hiddenRoots());
  const prototypes: [string, unknown][] = [];
  while (queue.length > 0) {
    for (let i = 0; i < queue.length; i++) {
      const [path, value] = queue[i]!;
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null || paths.has(value)) continue;
      paths.set(value, path);
      objects.set(path, value);
      for (const key of Reflect.ownKeys(value).sort(byKey)) {
        const name = typeof key === 'symbol' ? symbolName(key) : `.${key}`;
        if (name === undefined) continue;
        const descriptor = Reflect.getOwnPropertyDescriptor(value, key)!;
        if ('value' in descriptor) queue.push([`${path}${name}`, descriptor.value]);
        if (descriptor.get) queue.push([`${path}${name}<get>`, descriptor.get]);
        if (descriptor.set) queue.push([`${path}${name}<set>`, descriptor.set]);
      }
      prototypes.push([`${path}<proto>`, Object.getPrototypeOf(value)]);
    }
    queue = prototypes.splice(0);
  }
  return Object.freeze({ pathOf: (value: object) => paths.get(value), byPath: (path: string) => objects.get(path) });
}

const keyText = (key: string | symbol): string => (typeof key === 'symbol' ? `@${key.description}` : key);
const byKey = (a: string | symbol, b: string | symbol): number => {
  const x = keyText(a);
  const y = keyText(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
