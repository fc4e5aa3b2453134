/** Where a journal's bytes go as they are written. */
export interface JournalSink {
  /** Appends bytes; a sink that persists them has them on disk (or wherever) when this returns. */
  write(bytes: Uint8Array): void;
  /** Bytes written so far, those before the sink was opened included. */
  readonly size: number;
}

/** Keeps the journal in memory: the default. */
export class MemorySink implements JournalSink {
  #chunks: Uint8Array[] = [];
  #size = 0;

  write(bytes: Uint8Array): void {
    this.#chunks.push(bytes.slice());
    this.#size += bytes.length;
  }

  get size(): number {
    return this.#size;
  }

  /** The journal so far, in one buffer. */
  bytes(): Uint8Array {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    this.#chunks = [all];
    return all.slice();
  }
}
