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

/**
 * A journal whose messages are in another version of the membrane's protocol (its header's
 * `protocol`) than this membrane speaks: its bytes are fine, but this reader cannot replay them.
 */
export class ProtocolVersionError extends JournalFormatError {
  override name = 'ProtocolVersionError';
  constructor(
    offset: number,
    /** The version the journal's header records. */
    readonly written: unknown,
    /** The version this membrane speaks (PROTOCOL_VERSION). */
    readonly supported: number,
  ) {
    super(
      offset,
      `the journal's messages are in membrane protocol version ${JSON.stringify(written)}, but this membrane speaks version ${supported} only: restore it with the @xsb/journal and @xsb/membrane versions that wrote it`,
    );
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
/**
 * A journal written with the engine's fast path in one state (Engine.setFastPath), restored with it
 * in the other: the guest can tell them apart (meter units, stack depth, a guest that replaced its
 * own built-ins), so the replay would not be exact.
 */
export class FastPathMismatchError extends JournalDivergenceError {
  override name = 'FastPathMismatchError';
  constructor(
    readonly written: boolean,
    readonly running: boolean,
  ) {
    const state = (on: boolean) => `the engine's fast path ${on ? 'on' : 'off'}`;
    super(0, state(written), state(running));
    this.message = `the journal was written with ${state(written)}, but this engine has it ${running ? 'on' : 'off'}: restore it after engine.setFastPath(${written})`;
  }
}

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

/**
 * The host asked for a snapshot, a collection or a new meter from inside a call into the guest (a
 * host function the guest called did): the journal would record it in the middle of that
 * exchange, where a replay cannot put it. Nothing was written; the call goes on.
 */
export class ReentrantCallError extends JournalError {
  override name = 'ReentrantCallError';
  constructor(readonly operation: 'snapshot' | 'collectGarbage' | 'setMeter') {
    super(
      `${operation}() was called while the guest is running a call (from a host function the guest called): call it after the guest's call returns`,
    );
  }
}

/** Where a snapshot was taken, or what a journal holds there: see SnapshotMismatchError. */
export interface JournalPoint {
  /** The journal's id (JournalHeader.id). */
  readonly id: string;
  /** Entries before the point. */
  readonly position: number;
  /** The journal's digest before entry `position` (see SnapshotMeta.journalCrc). */
  readonly crc: number;
}

/**
 * A snapshot restored with a journal it was not taken from: another sandbox's, or one whose
 * bytes before the snapshot differ from those the snapshot saw.
 */
export class SnapshotMismatchError extends JournalError {
  override name = 'SnapshotMismatchError';
  constructor(
    readonly snapshot: JournalPoint,
    readonly journal: JournalPoint,
  ) {
    const hex = (crc: number) => crc.toString(16).padStart(8, '0');
    super(
      snapshot.id === journal.id
        ? `the snapshot was taken at entry ${snapshot.position} of journal "${snapshot.id}", whose entries before it had digest ${hex(snapshot.crc)}, but this journal's entries before it have digest ${hex(journal.crc)}: it is another journal of that id, or one rewritten; pass the snapshot taken from this journal, or restore from the journal alone`
        : `the snapshot was taken at entry ${snapshot.position} of journal "${snapshot.id}", but this is journal "${journal.id}": pass the snapshot taken from this journal, or restore from the journal alone`,
    );
  }
}
