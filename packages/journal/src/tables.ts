// The host side's id tables as the journal sees them: which ids of host objects the guest holds
// (and their names), which guest objects the host held, which promises are pending either way.
// Kept from the messages alone, live and in a replay alike, so that a restored host can take over
// (Membrane.adopt) without the objects of the host that wrote the journal.
import { type AdoptedTables, type ReferenceVisitor, scanReferences } from '@xsb/membrane';
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

  /** What each message from the host, and from the guest, does to the tables (see ReferenceVisitor). */
  readonly #fromHost: ReferenceVisitor = {
    sender: (id, name) => {
      const entry = this.#exported.get(id);
      this.#exported.set(id, { count: (entry?.count ?? 0) + 1, name: name ?? entry?.name });
      this.#nextId = Math.max(this.#nextId, id + 1);
    },
    promise: (id) => {
      this.#promises.add(id);
      this.#nextId = Math.max(this.#nextId, id + 1);
    },
    // the host released proxies of guest objects
    release: (id, count) => {
      const left = (this.#imported.get(id) ?? 0) - count;
      if (left > 0) this.#imported.set(id, left);
      else this.#imported.delete(id);
    },
    settle: (id) => this.#promises.delete(id),
  };

  readonly #fromGuest: ReferenceVisitor = {
    sender: (id) => this.#imported.set(id, (this.#imported.get(id) ?? 0) + 1),
    promise: (id) => this.#awaited.add(id),
    // the guest released proxies of host objects
    release: (id, count) => {
      const entry = this.#exported.get(id);
      if (!entry) return;
      entry.count -= count;
      if (entry.count <= 0) this.#exported.delete(id);
    },
    settle: (id) => this.#awaited.delete(id),
  };

  /**
   * Follows the ids a message entry names (other kinds name none), reading the bytes without
   * decoding them. A message the protocol refuses throws the membrane's ProtocolError, and leaves
   * the tables as they were.
   */
  observe(entry: JournalEntry): void {
    const { kind } = entry;
    if (kind === 'toGuest' || kind === 'hostReply') scanReferences(entry.message, this.#fromHost);
    else if (kind === 'fromGuest' || kind === 'guestReply') scanReferences(entry.message, this.#fromGuest);
  }
}
