// The host side's id tables as the journal sees them: which ids of host objects the guest holds
// (and their names), which guest objects the host held, which promises are pending either way.
// Kept from the messages alone, live and in a replay alike, so that a restored host can take over
// (Membrane.adopt) without the objects of the host that wrote the journal.
import { type AdoptedTables, decodeMessage, type Encoded, type EncodedDescriptor } from '@xsb/membrane';
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

  /**
   * Reads the ids a message entry names (other kinds name none). A message the protocol refuses
   * throws the membrane's ProtocolError, and leaves the tables as they were.
   */
  observe(entry: JournalEntry): void {
    const { kind } = entry;
    const fromHost = kind === 'toGuest' || kind === 'hostReply';
    if (!fromHost && kind !== 'fromGuest' && kind !== 'guestReply') return;
    const message = decodeMessage(entry.message);
    if ('op' in message) {
      if (message.op === 'release') this.#release(message.ids, fromHost);
      else if (message.op === 'settle') (fromHost ? this.#promises : this.#awaited).delete(message.id);
      const m = message as Partial<Record<'t' | 'k' | 'v' | 'self' | 'ok' | 'err', Encoded>> & {
        args?: readonly Encoded[];
        d?: EncodedDescriptor;
      };
      this.#value(m.t, fromHost);
      this.#value(m.k, fromHost);
      this.#value(m.v, fromHost);
      this.#value(m.self, fromHost);
      if (m.args) for (const arg of m.args) this.#value(arg, fromHost);
      if (m.d) this.#value(m.d, fromHost);
      this.#value(m.ok, fromHost);
      this.#value(m.err, fromHost);
    } else this.#value('ok' in message ? message.ok : message.err, fromHost);
  }

  /** A release drops the receiver's ids. */
  #release(ids: readonly (readonly [number, number])[], fromHost: boolean): void {
    for (const [id, count] of ids) {
      if (fromHost) {
        const left = (this.#imported.get(id) ?? 0) - count;
        if (left > 0) this.#imported.set(id, left);
        else this.#imported.delete(id);
      } else {
        const entry = this.#exported.get(id);
        if (!entry) continue;
        entry.count -= count;
        if (entry.count <= 0) this.#exported.delete(id);
      }
    }
  }

  /** Objects and promises a value names by their sender's ids. */
  #value(value: Encoded | readonly Encoded[] | EncodedDescriptor, fromHost: boolean): void {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value as readonly Encoded[]) this.#value(item, fromHost);
      return;
    }
    const v = value as Exclude<Encoded, readonly Encoded[] | null | undefined | boolean | number | string | bigint>;
    switch (v.$) {
      case 's':
        if (fromHost) {
          const entry = this.#exported.get(v.id);
          const name = v.n ?? entry?.name;
          this.#exported.set(v.id, { count: (entry?.count ?? 0) + 1, name });
          this.#nextId = Math.max(this.#nextId, v.id + 1);
        } else {
          this.#imported.set(v.id, (this.#imported.get(v.id) ?? 0) + 1);
        }
        return;
      case 'p':
        if (fromHost) {
          this.#promises.add(v.id);
          this.#nextId = Math.max(this.#nextId, v.id + 1);
        } else {
          this.#awaited.add(v.id);
        }
        return;
      case 'e':
        if ('c' in v) this.#value(v.c, fromHost);
        return;
      case undefined: {
        // a descriptor: its value and accessors
        const d = v as EncodedDescriptor;
        this.#value(d.v, fromHost);
        this.#value(d.g, fromHost);
        this.#value(d.s, fromHost);
        return;
      }
      default:
        return;
    }
  }
}
