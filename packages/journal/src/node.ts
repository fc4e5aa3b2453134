// Node.js only (subpath @xsb/journal/node): journals in files.
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { JournalSink } from './sink.js';

export interface FileSinkOptions {
  /** fsync after every entry: survives a power cut, not only a crashed process. Default false. */
  readonly fsync?: boolean;
  /**
   * Continue a journal this many bytes long: what follows (a torn last entry, see
   * RestoreReport.tornBytes) is cut off first. Without it the file must be new or empty.
   */
  readonly resumeAt?: number;
}

/** Appends a journal to a file, each entry written (and optionally fsynced) as it happens. */
export class FileSink implements JournalSink, Disposable {
  #fd: number | undefined;
  #size: number;
  readonly #fsync: boolean;

  constructor(
    readonly path: string,
    options: FileSinkOptions = {},
  ) {
    this.#fsync = options.fsync ?? false;
    const fd = openSync(path, 'a+');
    const existing = fstatSync(fd).size;
    if (options.resumeAt === undefined && existing > 0) {
      closeSync(fd);
      throw new Error(
        `${path} already holds ${existing} bytes: pass resumeAt to continue the journal in it, or choose a new file`,
      );
    }
    if (options.resumeAt !== undefined) {
      if (options.resumeAt > existing) {
        closeSync(fd);
        throw new Error(`${path} holds ${existing} bytes, fewer than resumeAt (${options.resumeAt})`);
      }
      ftruncateSync(fd, options.resumeAt);
    }
    this.#fd = fd;
    this.#size = options.resumeAt ?? 0;
  }

  write(bytes: Uint8Array): void {
    if (this.#fd === undefined) throw new Error(`the journal file ${this.path} was closed`);
    let written = 0;
    while (written < bytes.length) written += writeSync(this.#fd, bytes, written, bytes.length - written);
    if (this.#fsync) fsyncSync(this.#fd);
    this.#size += bytes.length;
  }

  get size(): number {
    return this.#size;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A journal file's bytes. */
export const readJournalFile = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
