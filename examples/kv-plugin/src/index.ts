// An example of a plugin as a third party writes it: only @xsb/sandbox's public API.
//
// The guest gets `kv` (get, set, delete, keys) over a store the host reads and seeds. The store
// lives in the guest's heap, so it is in every snapshot and a replay rebuilds it exactly; the
// host's view of it goes through the plugin's guest side, every call journaled.
import { definePlugin } from '@xsb/sandbox';

export interface KvOptions {
  /** Entries the store starts with (JSON values). */
  readonly seed?: Readonly<Record<string, unknown>>;
  /** Most entries the guest may hold; a set past it throws a RangeError in the guest. Default 1,000. */
  readonly maxEntries?: number;
}

/** The host's side of the store. */
export interface Kv {
  get(key: string): unknown;
  entries(): [string, unknown][];
  readonly size: number;
}

interface GuestKv {
  get(key: string): string | undefined;
  entries(): string;
  size(): number;
}

export const kvPlugin = definePlugin({
  name: 'kv',
  install(context, options: KvOptions | undefined): Kv {
    const maxEntries = options?.maxEntries ?? 1_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0)
      throw new RangeError(`kv: maxEntries must be a whole number ≥ 0, got ${String(maxEntries)}`);
    const seed = JSON.stringify(Object.entries(options?.seed ?? {}));
    // values cross as JSON text, so the guest's objects and the host's never share identity
    context.guestScript(`(() => {
      const store = new Map(${seed}.map(([k, v]) => [k, JSON.stringify(v)]));
      const key = (k) => { if (typeof k !== 'string') throw new TypeError('kv keys are strings'); return k };
      Object.defineProperty(globalThis, 'kv', { value: Object.freeze({
        get: (k) => { const v = store.get(key(k)); return v === undefined ? undefined : JSON.parse(v) },
        set: (k, v) => {
          const text = JSON.stringify(v);
          if (text === undefined) throw new TypeError('kv values are JSON values');
          if (!store.has(key(k)) && store.size >= ${maxEntries}) throw new RangeError('kv is full (${maxEntries} entries)');
          store.set(k, text);
        },
        delete: (k) => store.delete(key(k)),
        keys: () => [...store.keys()],
      }), configurable: true });
      return { get: (k) => store.get(k), entries: () => JSON.stringify([...store]), size: () => store.size };
    })()`);
    const guest = () => context.guest() as GuestKv;
    return Object.freeze({
      get: (key: string) => {
        const text = guest().get(key);
        return text === undefined ? undefined : JSON.parse(text);
      },
      entries: () =>
        (JSON.parse(guest().entries()) as [string, string][]).map(([k, v]) => [k, JSON.parse(v)] as [string, unknown]),
      get size() {
        return guest().size();
      },
    });
  },
});
