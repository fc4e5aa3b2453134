// The host side's id tables as the journal sees them: which ids of host objects the guest holds
// (and their names), which guest objects the host held, which promises are pending either way.
// Kept from the messages alone, live and in a replay alike, so that a restored host can take over
// (Membrane.adopt) without the objects of the host that wrote the journal.
import type { AdoptedTables } from '@xsb/membrane';
import type { JournalEntry } from './entries.js';

/** The tables as JSON, stored in snapshots. */
export interface TablesState {
  readonly nextId: number;
  /** [id, count, name?] of host objects the guest holds. */
  readonly exported: readonly (readonly [number, number, string?])[];
  /** [id, count] of guest objects the host held. */
  readonly imported: readonly (readonly [number, number])[];
  /** Host promises the guest awaits. */
  readonly promises: readonly number[];
  /** Guest promises the host awaited. */
  readonly awaited: readonly number[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class Tables {
  #nextId = 1;
  readonly #exported = new Map<number, { count: number; name: string | undefined }>();
  readonly #imported = new Map<number, number>();
  readonly #promises = new Set<number>();
  readonly #awaited = new Set<number>();

  static from(state: TablesState): Tables {
    const tables = new Tables();
    tables.#nextId = state.nextId;
    for (const [id, count, name] of state.exported) tables.#exported.set(id, { count, name });
    for (const [id, count] of state.imported) tables.#imported.set(id, count);
    for (const id of state.promises) tables.#promises.add(id);
    for (const id of state.awaited) tables.#awaited.add(id);
    return tables;
  }

  state(): TablesState {
    return {
      nextId: this.#nextId,
      exported: [...this.#exported].map(([id, { count, name }]) => (name === undefined ? [id, count] : [id, count, name])),
      imported: [...this.#imported],
      promises: [...this.#promises],
      awaited: [...this.#awaited],
    };
  }

  /** What a host restored at this point adopts; `bind` gives the new host's object of a name. */
  adopted(bind: (name: string) => object | undefined): AdoptedTables {
    return {
      nextId: this.#nextId,
      exported: [...this.#exported].map(([id, { count, name }]) =>
        name === undefined ? { id, count, value: undefined } : { id, count, value: bind(name), name },
      ),
      imported: [...this.#imported],
      promises: [...this.#promises],
      awaited: [...this.#awaited],
    };
  }

  observe(entry: JournalEntry): void {
    const fromHost = entry.kind === 'toGuest' || entry.kind === 'hostReply';
    const fromGuest = entry.kind === 'fromGuest' || entry.kind === 'guestReply';
    if (!fromHost && !fromGuest) return;
    const message = JSON.parse(entry.message) as Json;
    if (entry.kind === 'toGuest' || entry.kind === 'fromGuest') this.#request(message, fromHost);
    this.#values(message, fromHost);
  }

  /** Releases and settlements change the tables of the receiver. */
  #request(message: Json, fromHost: boolean): void {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    if (message.op === 'release' && Array.isArray(message.ids)) {
      const table = fromHost ? this.#imported : undefined;
      for (const pair of message.ids) {
        if (!Array.isArray(pair)) continue;
        const [id, count] = pair as [number, number];
        if (table) {
          const left = (table.get(id) ?? 0) - count;
          if (left > 0) table.set(id, left);
          else table.delete(id);
        } else {
          const entry = this.#exported.get(id);
          if (!entry) continue;
          entry.count -= count;
          if (entry.count <= 0) this.#exported.delete(id);
        }
      }
    }
    if (message.op === 'settle' && typeof message.id === 'number') {
      (fromHost ? this.#promises : this.#awaited).delete(message.id);
    }
  }

  /** Objects and promises named in a message by their sender's ids. */
  #values(value: Json, fromHost: boolean): void {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) this.#values(item, fromHost);
      return;
    }
    if (value.$ === 's' && typeof value.id === 'number') {
      if (fromHost) {
        const entry = this.#exported.get(value.id);
        const name = typeof value.n === 'string' ? value.n : entry?.name;
        this.#exported.set(value.id, { count: (entry?.count ?? 0) + 1, name });
        this.#nextId = Math.max(this.#nextId, value.id + 1);
      } else {
        this.#imported.set(value.id, (this.#imported.get(value.id) ?? 0) + 1);
      }
      return;
    }
    if (value.$ === 'p' && typeof value.id === 'number') {
      if (fromHost) {
        this.#promises.add(value.id);
        this.#nextId = Math.max(this.#nextId, value.id + 1);
      } else {
        this.#awaited.add(value.id);
      }
      return;
    }
    for (const key of Object.keys(value)) this.#values(value[key]!, fromHost);
  }
}
