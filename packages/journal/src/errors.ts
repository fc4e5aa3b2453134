/** Base of the journal's errors. */
export class JournalError extends Error {
  override name = 'JournalError';
}

/** Bytes that are not a journal or snapshot, or a damaged one: `offset` is where reading them failed. */
export abstract class DamagedBytesError extends JournalError {
  constructor(
    readonly offset: number,
    problem: string,
    what: 'journal' | 'snapshot',
  ) {
    super(`${what} byte ${offset}: ${problem}`);
  }
}

export class JournalFormatError extends DamagedBytesError {
  override name = 'JournalFormatError';
  constructor(offset: number, problem: string) {
    super(offset, problem, 'journal');
  }
}

export class SnapshotFormatError extends DamagedBytesError {
  override name = 'SnapshotFormatError';
  constructor(offset: number, problem: string) {
    super(offset, problem, 'snapshot');
  }
}

/** In a replay, the guest did something other than what the journal recorded. */
export class JournalDivergenceError extends JournalError {
  override name = 'JournalDivergenceError';
  constructor(
    /** Index of the journal entry that did not match. */
    readonly index: number,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `the replay diverged from the journal at entry ${index}: expected ${expected}, got ${actual}; the engine, the guest's globals or what the host gave it changed since the journal was written, or something evaluated code in the guest outside the journal`,
    );
  }
}

/**
 * A journal or snapshot written by another engine build: a divergence found before replaying,
 * since XS heaps and guest behaviour differ between builds. `index` is 0, the journal's start.
 */
export class EngineMismatchError extends JournalDivergenceError {
  override name = 'EngineMismatchError';
  constructor(
    readonly what: 'journal' | 'snapshot',
    readonly written: string,
    readonly running: string,
  ) {
    super(0, `engine build ${written}`, `engine build ${running}`);
    this.message = `the ${what} was written by engine build ${written}, but this is build ${running}: restore it with the @xsb/xs-wasm version that wrote it`;
  }
}
