/** Where a journal's bytes go as they are written. */
export interface JournalSink {
  /**
   * Appends bytes; a sink that persists them has them on disk (or wherever) when this returns.
   * The bytes are the writer's to reuse once this returns: a sink that keeps them copies them.
   */
  write(bytes: Uint8Array): void;
  /** Bytes written so far, those before the sink was opened included. */
  readonly size: number;
  /**
   * A sink that keeps the journal in memory lends it back: the bytes from `start` on, valid until
   * the next write. A journaled machine then lists its entries from them rather than keep a
   * second copy (see entry-log.ts).
   */
  view?(start: number): Uint8Array;
}

/** Bytes per chunk of a MemorySink once it has outgrown its first. */
const CHUNK = 256 * 1024;

/**
 * Keeps the journal in memory: the default. In chunks rather than one buffer grown by doubling, so
 * that each byte is written once: a doubling copies everything again into memory the process has
 * never touched, and touching new memory (a page fault each 4 KiB) is most of what keeping a
 * journal costs.
 */
export class MemorySink implements JournalSink {
  /** Full chunks, then the one being written. */
  readonly #chunks: Uint8Array[] = [new Uint8Array(4096)];
  #last: Uint8Array = this.#chunks[0]!;
  /** Bytes in #last. */
  #used = 0;
  #size = 0;

  write(bytes: Uint8Array): void {
    let from = 0;
    while (from < bytes.length) {
      if (this.#used === this.#last.length) this.#grow();
      const last = this.#last;
      const n = Math.min(bytes.length - from, last.length - this.#used);
      // most entries are a few dozen bytes: a loop costs less than set() for those
      if (n <= 64) for (let i = from, at = this.#used; i < from + n; i++, at++) last[at] = bytes[i]!;
      else last.set(bytes.subarray(from, from + n), this.#used);
      this.#used += n;
      from += n;
    }
    this.#size += bytes.length;
  }

  /** A new last chunk: the first one grows to CHUNK by doubling (most journals are small), then chunks of CHUNK. */
  #grow(): void {
    const last = this.#last;
    if (this.#chunks.length === 1 && last.length < CHUNK) {
      const larger = new Uint8Array(last.length * 2);
      larger.set(last);
      this.#chunks[0] = this.#last = larger;
      return;
    }
    this.#last = new Uint8Array(CHUNK);
    this.#chunks.push(this.#last);
    this.#used = 0;
  }

  get size(): number {
    return this.#size;
  }

  /** The journal from byte `start` on: a view of the sink's memory, valid until the next write, when it lies in one chunk; a copy otherwise. */
  view(start = 0): Uint8Array {
    const lastStart = this.#size - this.#used;
    if (start >= lastStart) return this.#last.subarray(start - lastStart, this.#used);
    return this.bytes().subarray(start);
  }

  /** The journal so far, in one buffer. */
  bytes(): Uint8Array {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const chunk of this.#chunks) {
      const n = chunk === this.#last ? this.#used : chunk.length;
      all.set(chunk.subarray(0, n), at);
      at += n;
    }
    return all;
  }
}
