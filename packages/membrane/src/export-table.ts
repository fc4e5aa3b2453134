// A side's own objects that the other side holds, by the ids this side gave them.
import type { AdoptedTables } from './side.js';

export interface ExportEntry {
  /** undefined for an ephemeral: an object of the old host's that did not survive a restore */
  readonly value: object | undefined;
  /** How many times the id was sent, so that a release racing a new send cannot drop an object still in use. */
  count: number;
  readonly name?: string;
}

export class ExportTable {
  /** The next id this side gives out, to an object or a promise. */
  #nextId = 1;
  /** By id: what the engine's fast path reads too (FastPath.exported). */
  readonly entries = new Map<number, ExportEntry>();
  readonly #ids = new WeakMap<object, number>();

  newId(): number {
    return this.#nextId++;
  }

  /** The object's id, given now if it has none; counts one more send. */
  export(value: object): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(value, id);
      this.entries.set(id, { value, count: 0 });
    }
    this.entries.get(id)!.count++;
    return id;
  }

  /** The other side dropped `count` sends of `id`: the object goes once all are dropped. */
  release(id: number, count: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.count -= count;
    if (entry.count <= 0) {
      this.entries.delete(id);
      if (entry.value !== undefined) this.#ids.delete(entry.value);
    }
  }

  /** Takes over the ids of the side this one replaces (see AdoptedTables). */
  adopt(tables: AdoptedTables): void {
    this.#nextId = Math.max(this.#nextId, tables.nextId);
    for (const { id, count, value, name } of tables.exported) {
      this.entries.set(id, name === undefined ? { value, count } : { value, count, name });
      if (value !== undefined) this.#ids.set(value, id);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
