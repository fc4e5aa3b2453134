// The entries a journaled machine lists (Journaled.entries). Kept compactly: a journal in a
// MemorySink is read back from the sink's bytes, which hold every entry already; with another
// sink, the bytes go into one growing buffer rather than an object and a buffer each, so that a
// long life costs the collector nothing to walk and a crossing allocates nothing that outlives it.
import type { EntryKind, JournalEntry } from './entries.js';
import { JournalReader } from './format.js';
import type { MemorySink } from './sink.js';

export interface EntryStore {
  readonly length: number;
  push(kind: EntryKind, message: Uint8Array): void;
  /** Every entry, as objects whose messages are buffers of their own. */
  list(): readonly JournalEntry[];
}

/** The entries of a journal in a MemorySink, read from its bytes as they are asked for. */
export class SinkEntries implements EntryStore {
  readonly #sink: MemorySink;
  readonly #reader = new JournalReader();
  #count: number;
  #read = 0;

  /** `count`: entries the sink holds already. */
  constructor(sink: MemorySink, count: number) {
    this.#sink = sink;
    this.#count = count;
  }

  get length(): number {
    return this.#count;
  }

  push(): void {
    this.#count++;
  }

  list(): readonly JournalEntry[] {
    this.#reader.push(this.#sink.view(this.#read));
    this.#read = this.#sink.size;
    return this.#reader.entries;
  }
}

/** Entries copied into one growing buffer, for sinks that keep nothing in memory. */
export class EntryLog implements EntryStore {
  #bytes: Uint8Array = new Uint8Array(4096);
  #used = 0;
  /** Where entry i's message ends in #bytes (it starts where entry i - 1's ends). */
  #ends = new Float64Array(256);
  #kinds: EntryKind[] = [];
  /** The entries asked for so far, as objects: made once each, on the first ask after they were pushed. */
  readonly #listed: JournalEntry[] = [];

  get length(): number {
    return this.#kinds.length;
  }

  push(kind: EntryKind, message: Uint8Array): void {
    const index = this.#kinds.length;
    const end = this.#used + message.length;
    if (end > this.#bytes.length) this.#bytes = grown(this.#bytes, end, this.#used);
    if (index === this.#ends.length) {
      const ends = new Float64Array(index * 2);
      ends.set(this.#ends);
      this.#ends = ends;
    }
    const bytes = this.#bytes;
    // most messages are a few dozen bytes: a loop costs less than a set() on a subarray
    if (message.length <= 64) for (let i = 0, at = this.#used; i < message.length; i++, at++) bytes[at] = message[i]!;
    else bytes.set(message, this.#used);
    this.#used = end;
    this.#ends[index] = end;
    this.#kinds.push(kind);
  }

  list(): readonly JournalEntry[] {
    const listed = this.#listed;
    for (let i = listed.length; i < this.#kinds.length; i++) {
      const start = i === 0 ? 0 : this.#ends[i - 1]!;
      listed.push({ kind: this.#kinds[i]!, message: this.#bytes.slice(start, this.#ends[i]!) });
    }
    return listed;
  }
}

function grown(bytes: Uint8Array, size: number, used: number): Uint8Array {
  let length = bytes.length * 2;
  while (length < size) length *= 2;
  const larger = new Uint8Array(length);
  larger.set(bytes.subarray(0, used));
  return larger;
}
