/** Where a journal's bytes go as they are written. */
export interface JournalSink {
  /**
   * Appends bytes; a sink that persists them has them on disk (or wherever) when this returns.
   * The bytes are the writer's to reuse once this returns: a sink that keeps them copies them.
   */
  write(bytes: Uint8Array): void;
  /** Bytes written so far, those before the sink was opened included. */
  readonly size: number;
}

/** Keeps the journal in memory: the default. */
export class MemorySink implements JournalSink {
  /** The journal so far in its first #size bytes, grown by doubling. */
  #buffer = new Uint8Array(4096);
  #size = 0;

  write(bytes: Uint8Array): void {
    const size = this.#size + bytes.length;
    if (size > this.#buffer.length) {
      let grown = this.#buffer.length * 2;
      while (grown < size) grown *= 2;
      const buffer = new Uint8Array(grown);
      buffer.set(this.#buffer.subarray(0, this.#size));
      this.#buffer = buffer;
    }
    const buffer = this.#buffer;
    // most entries are a few dozen bytes: a loop costs less than set() for those
    if (bytes.length <= 64) for (let i = 0, at = this.#size; i < bytes.length; i++, at++) buffer[at] = bytes[i]!;
    else buffer.set(bytes, this.#size);
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  /** The journal from byte `start` on, as a view of the sink's buffer: valid until the next write. */
  view(start = 0): Uint8Array {
    return this.#buffer.subarray(start, this.#size);
  }

  /** The journal so far, in one buffer. */
  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#size);
  }
}
