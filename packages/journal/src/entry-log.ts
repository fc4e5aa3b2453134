// The entries a journaled machine lists (Journaled.entries). Kept compactly: a journal whose sink
// keeps it in memory (MemorySink) is read back from the sink's bytes, which hold every entry
// already; with another sink, the bytes go into one growing buffer rather than an object and a buffer each, so that a
// long life costs the collector nothing to walk and a crossing allocates nothing that outlives it.
import type { EntryKind, JournalEntry } from './entries.js';
import { JournalReader } from './format.js';
import type { JournalSink } from './sink.js';

export interface EntryStore {
  readonly length: number;
  push(kind: EntryKind, message: Uint8Array): void;
  /** Every entry, as objects whose messages are buffers of their own. */
  list(): readonly JournalEntry[];
}

/** A sink that lends its bytes back (JournalSink.view). */
type ViewableSink = JournalSink & { view(start: number): Uint8Array };

/** The store for a sink's entries: read from its bytes if it lends them, kept here otherwise. */
export function entryStore(sink: JournalSink, entries: readonly JournalEntry[]): EntryStore {
  if (sink.view) return new SinkEntries(sink as ViewableSink, entries.length);
  const log = new EntryLog();
  for (const entry of entries) log.push(entry.kind, entry.message);
  return log;
}

/** The entries of a journal whose sink keeps it in memory, read from its bytes as they are asked for. */
class SinkEntries implements EntryStore {
  readonly #sink: ViewableSink;
  readonly #reader = new JournalReader();
  #count: number;
  #read = 0;

  /** `count`: entries the sink holds already. */
  constructor(sink: ViewableSink, count: number) {
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
class EntryLog implements EntryStore {
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
