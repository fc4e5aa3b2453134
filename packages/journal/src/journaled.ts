// A machine with the membrane attached whose every crossing is journaled; and its restore, by
// replaying the journal into a fresh machine (or into one restored from a snapshot) and checking
// everything the guest sends against it.
import {
  attachMembrane,
  createConnectedMachine,
  type Membrane,
  type MembraneOptions,
  type MembraneWire,
  type ModuleHost,
  PROTOCOL_VERSION,
  ProtocolError,
} from '@xsb/membrane';
import { DisposedError, type Engine, type Machine, MachineDeadError, MeterExhaustedError, SnapshotError } from '@xsb/xs-wasm';
import { crc32 } from './crc32.js';
import {
  describeEndowments,
  describeEntry,
  ENTRY_KINDS,
  type EntryKind,
  entryText,
  type JournalEntry,
  MESSAGE_KINDS,
  textEntry,
} from './entries.js';
import { type EntryStore, entryStore } from './entry-log.js';
import {
  EngineMismatchError,
  FastPathMismatchError,
  JournalDivergenceError,
  JournalError,
  JournalFormatError,
  ReentrantCallError,
  SnapshotFormatError,
  SnapshotMismatchError,
} from './errors.js';
import {
  defaultJournalId,
  EntryEncoder,
  encodeHeader,
  type JournalHeader,
  kindByte,
  type MachineSettings,
  readJournal,
} from './format.js';
import { type JournalSink, MemorySink } from './sink.js';
import { decodeSnapshot, encodeSnapshot, type MeterSettings, type MeterState } from './snapshot.js';
import { Tables } from './tables.js';

export interface JournaledOptions {
  /**
   * The journal's id (JournalHeader.id), which its snapshots carry: a snapshot restores only with
   * a journal of the same id. Default: derived from the header, so the same calls write the same bytes.
   */
  readonly id?: string;
  /** Settings of the machine; the journal's header keeps them for a replay. */
  readonly machine?: MachineSettings;
  /** Where the journal's bytes go; default a MemorySink. */
  readonly sink?: JournalSink;
  /**
   * Installed as guest globals. Objects and functions among them cross named by their key, and a
   * restore binds them again by it; a restore must give the same endowments (primitives equal,
   * objects where objects were) or it fails with JournalDivergenceError.
   */
  readonly endowments?: Readonly<Record<string, unknown>>;
  /** Largest message either way, in bytes (see @xsb/membrane). */
  readonly maxMessageSize?: number;
  /** Answers the guest's imports (see @xsb/membrane); a replay answers them from the journal. */
  readonly modules?: ModuleHost;
  /** The host's error classes by name, for errors that come back through the guest (see @xsb/membrane). */
  readonly errorClasses?: MembraneOptions['errorClasses'];
  /** Kept in the journal's header for the embedder (JSON); a restore ignores it. */
  readonly host?: unknown;
}

export interface Journaled extends Disposable {
  readonly machine: Machine;
  readonly membrane: Membrane;
  readonly header: JournalHeader;
  /** Every entry since the machine was created, replayed ones included. */
  readonly entries: readonly JournalEntry[];
  /**
   * Collects the guest's garbage; journaled, since guest finalizers may run after it. From inside
   * a call into the guest (a host function it called), refused with ReentrantCallError.
   */
  collectGarbage(): void;
  /**
   * The heap, the host's id tables and the journal's id, position and digest, in one buffer (see
   * restoreJournaled). From inside a call into the guest, refused with ReentrantCallError.
   */
  snapshot(): Uint8Array;
  /**
   * Sets the guest's meter, journaled: `limit` units per call from the host (0 for none) and a
   * `budget` for all calls from here on (null for none). Each call runs with whichever is
   * smaller, the limit or what is left of the budget; with nothing left, a call is refused
   * with MeterExhaustedError before the guest runs. A replay runs with the same. From inside a
   * call into the guest, refused with ReentrantCallError.
   */
  setMeter(meter: MeterSettings): void;
  /** The meter's settings and the units used so far (by every call, replayed ones included). */
  readonly meter: MeterState;
  /**
   * Revokes the membrane and frees the machine. From inside a call into the guest (a host function
   * it called), the membrane is revoked at once and the machine freed when the outermost call
   * returns, since XS is running on it until then.
   */
  dispose(): void;
}

export interface RestoreOptions extends JournaledOptions {
  /** The journal's bytes (the whole file: a snapshot says where its tail starts). */
  readonly journal: Uint8Array;
  /**
   * A snapshot taken from this journal: replay only the entries after it. One taken from another
   * journal, or with other bytes before it, is refused with SnapshotMismatchError.
   */
  readonly snapshot?: Uint8Array;
  /** Called as entries are replayed, to show the progress of a long journal. */
  readonly onProgress?: (replayed: number, total: number) => void;
}

export interface RestoreReport {
  /** Entries replayed into the guest (after the snapshot, if there was one). */
  readonly replayed: number;
  readonly fromSnapshot: boolean;
  /** Bytes of the journal read as complete entries. */
  readonly validBytes: number;
  /** Bytes after them, the start of an entry whose write was cut short: not replayed. */
  readonly tornBytes: number;
  /** Entries of an exchange the journal does not finish (the writer died inside a call): not replayed. */
  readonly unfinishedEntries: number;
}

/** A fresh machine whose membrane is journaled from its first message. */
export function startJournaled(engine: Engine, options: JournaledOptions = {}): Journaled {
  if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
    throw new TypeError(`the journal's id must be a non-empty string, got ${JSON.stringify(options.id)}`);
  }
  const settings = {
    buildId: engine.buildId,
    protocol: PROTOCOL_VERSION,
    // a diagnostic mode a replay must share (see FastPathMismatchError): written only when off
    ...(engine.fastPath ? {} : { fastPath: false as const }),
    machine: { ...options.machine },
    ...(options.host === undefined ? {} : { host: options.host }),
  };
  const header: JournalHeader = { id: options.id ?? defaultJournalId(settings), ...settings };
  const machine = createConnectedMachine(engine, header.machine);
  const endowments = options.endowments ?? {};
  const recorder = new Recorder(header, options.sink ?? new MemorySink(), new Tables(), [], endowments, 0);
  recorder.attach(machine, options);
  recorder.endow(endowments);
  return recorder.journaled();
}

/** Brings a journaled machine back: from a snapshot and the journal's tail, or by pure replay. */
export function restoreJournaled(engine: Engine, options: RestoreOptions): { journaled: Journaled; report: RestoreReport } {
  const read = readJournal(options.journal);
  const { header } = read;
  if (header.buildId !== engine.buildId) throw new EngineMismatchError('journal', header.buildId, engine.buildId);
  if ((header.fastPath ?? true) !== engine.fastPath) throw new FastPathMismatchError(header.fastPath ?? true, engine.fastPath);
  const snapshot = options.snapshot === undefined ? undefined : decodeSnapshot(options.snapshot);
  if (snapshot && snapshot.meta.buildId !== engine.buildId) {
    throw new EngineMismatchError('snapshot', snapshot.meta.buildId, engine.buildId);
  }
  const complete = read.completeEntries;
  const start = snapshot?.meta.position ?? 0;
  if (start > complete) {
    throw new JournalError(
      `the snapshot is at entry ${start}, but the journal has ${complete} complete entries: it is not this snapshot's journal, or it was cut`,
    );
  }
  // the journal before the snapshot must be the one it saw; the digest the recorder keeps continues from there
  let journalCrc = digest(options.journal, read.offsetOf, 0, start, 0);
  if (snapshot && (snapshot.meta.journalId !== header.id || snapshot.meta.journalCrc !== journalCrc)) {
    throw new SnapshotMismatchError(
      { id: snapshot.meta.journalId, position: start, crc: snapshot.meta.journalCrc },
      { id: header.id, position: start, crc: journalCrc },
    );
  }
  journalCrc = digest(options.journal, read.offsetOf, start + 1, complete, journalCrc);
  let machine: Machine;
  try {
    machine = snapshot ? engine.restoreMachine(snapshot.heap, header.machine) : createConnectedMachine(engine, header.machine);
  } catch (error) {
    // bytes that pass their checksums can still be a heap XS refuses, or a memory limit no machine fits in
    if (snapshot && error instanceof SnapshotError) {
      throw new SnapshotFormatError(options.snapshot!.length - 4 - snapshot.heap.length, error.message);
    }
    // a fresh machine is a template's snapshot restored: a memory limit it does not fit in fails so
    if ((error instanceof RangeError || error instanceof SnapshotError) && header.machine.memoryLimit !== undefined) {
      throw new JournalFormatError(12, `the header's machine settings: ${error.message}`);
    }
    throw error;
  }
  const endowments = options.endowments ?? {};
  const described = describeEndowments(endowments);
  if (snapshot && snapshot.meta.endowments !== described) {
    throw new JournalDivergenceError(snapshot.meta.endowed, `endow ${snapshot.meta.endowments}`, `endow ${described}`);
  }
  const sink = options.sink ?? new MemorySink();
  // a new sink gets the journal so far byte for byte, as the digest was taken of it; a sink
  // resuming the old file has it already
  if (sink.size > 0 && sink.size !== read.resumeAt) {
    throw new JournalError(
      `the sink holds ${sink.size} bytes, but this journal continues after byte ${read.resumeAt}: resume its file at readJournal(journal).resumeAt, or give a new sink`,
    );
  }
  if (sink.size === 0) sink.write(options.journal.subarray(0, read.resumeAt));
  const tables = snapshot ? Tables.from(snapshot.meta.tables) : new Tables();
  const recorder = new Recorder(header, sink, tables, read.entries.slice(0, start), endowments, journalCrc);
  if (snapshot) {
    recorder.endowedAt(snapshot.meta.endowed);
    recorder.meterFrom(snapshot.meta.meter);
  }
  try {
    recorder.attach(machine, options);
    recorder.replay(read.entries, start, complete, options.onProgress, read.offsetOf);
    recorder.membrane.adopt(tables.adopted((name) => recorder.bound(name)));
  } catch (error) {
    recorder.dispose();
    throw error;
  }
  return {
    journaled: recorder.journaled(),
    report: {
      replayed: complete - start,
      fromSnapshot: snapshot !== undefined,
      validBytes: read.validBytes,
      tornBytes: read.tornBytes,
      unfinishedEntries: read.entries.length - complete,
    },
  };
}

/**
 * The journal's digest up to entry `to` (SnapshotMeta.journalCrc), continued from `crc` (the
 * digest up to entry `from` - 1): a CRC-32 of the checksums that end the header and each entry.
 * Not of the bytes: over bytes that end with their own CRC-32, a CRC-32 depends on their length only.
 */
function digest(journal: Uint8Array, offsetOf: (index: number) => number, from: number, to: number, crc: number): number {
  // the record ending at offsetOf(0) is the header, at offsetOf(i + 1) entry i
  for (let k = from; k <= to; k++) crc = crc32(journal, offsetOf(k) - 4, offsetOf(k), crc);
  return crc;
}

/** A meter entry's settings, or undefined if they are not ones setMeter writes. */
function meterEntry(entry: JournalEntry): { limit: number; budget: number | null } | undefined {
  let settings: unknown;
  try {
    settings = JSON.parse(entryText(entry));
  } catch {
    return undefined;
  }
  const { limit, budget } = (settings ?? {}) as { limit?: unknown; budget?: unknown };
  const units = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  return units(limit) && (budget === null || units(budget)) ? { limit, budget } : undefined;
}

const quoteEntry = (entry: JournalEntry | undefined): string =>
  entry === undefined ? 'the end of the journal' : describeEntry(entry);

/** Each kind's byte (ENTRY_KINDS), looked up once. */
const KIND_BYTES = Object.fromEntries(ENTRY_KINDS.map((kind) => [kind, kindByte(kind)])) as Readonly<Record<EntryKind, number>>;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

class Recorder {
  readonly #header: JournalHeader;
  readonly #sink: JournalSink;
  readonly #encoder = new EntryEncoder();
  readonly #tables: Tables;
  readonly #entries: EntryStore;
  readonly #nameOf = new WeakMap<object, string>();
  readonly #byName = new Map<string, object>();
  /** The endowments as the journal describes them, and the index of that entry (-1 before it is written). */
  #endowed: { readonly index: number; readonly described: string };
  #machine: Machine | undefined;
  #membrane: Membrane | undefined;
  #direct: MembraneWire | undefined;
  /** The meter's settings; the units used before this machine (restored from a snapshot) began. */
  #meter: { limit: number; budget: number | null; usedBefore: number } = { limit: 0, budget: null, usedBefore: 0 };
  /** Host → guest exchanges open now: the meter is set as the outermost one starts. */
  #open = 0;
  /** The digest of the journal so far, which a snapshot keeps (SnapshotMeta.journalCrc). */
  #crc: number;
  /** dispose() was called inside a call: the machine goes when the outermost one returns. */
  #disposing = false;
  /** What stopped the replay from inside a guest's call to the host. */
  #replayFailure: JournalError | undefined;
  /** While replaying: the journal, and the next entry of it. */
  #replay:
    | {
        readonly entries: readonly JournalEntry[];
        cursor: number;
        readonly end: number;
        readonly offsetOf: (index: number) => number;
      }
    | undefined;

  constructor(
    header: JournalHeader,
    sink: JournalSink,
    tables: Tables,
    entries: readonly JournalEntry[],
    endowments: Readonly<Record<string, unknown>>,
    /** The digest of the journal the sink holds already (0 for none). */
    crc: number,
  ) {
    this.#header = header;
    this.#crc = crc;
    this.#sink = sink;
    this.#tables = tables;
    this.#entries = entryStore(sink, entries);
    this.#endowed = { index: -1, described: describeEndowments(endowments) };
    for (const name of Object.keys(endowments)) {
      const value = endowments[name];
      if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
        this.#nameOf.set(value, name);
        this.#byName.set(name, value);
      }
    }
    if (sink.size === 0) this.#write(encodeHeader(header));
  }

  /** Writes a header or an entry: each ends with its checksum, which the digest goes on with. The sink copies what it keeps. */
  #write(bytes: Uint8Array): void {
    this.#sink.write(bytes);
    this.#crc = crc32(bytes, bytes.length - 4, bytes.length, this.#crc);
  }

  /**
   * Refuses what would land in the middle of an exchange (a host function the guest called asked
   * for it): a replay performs host operations only between exchanges.
   */
  #idle(operation: 'snapshot' | 'collectGarbage' | 'setMeter'): void {
    if (this.#open > 0) throw new ReentrantCallError(operation);
    // nothing is journaled for a machine that cannot perform it: the entry would never replay
    if (this.#disposing || !this.#machine || this.#machine.disposed) {
      throw new DisposedError(`${operation}: the sandbox was disposed; restore it from its journal to carry on`);
    }
    const death = this.#machine.deathReason;
    if (death !== undefined) throw new MachineDeadError(death);
  }

  /** The object an endowment name is bound to in this host. */
  bound(name: string): object | undefined {
    return this.#byName.get(name);
  }

  meterFrom(state: MeterState): void {
    this.#meter = { limit: state.limit, budget: state.budget, usedBefore: state.used };
  }

  meterState(): MeterState {
    const { limit, budget, usedBefore } = this.#meter;
    return { limit, budget, used: usedBefore + this.#machine!.meterTotal };
  }

  setMeter(meter: MeterSettings): void {
    this.#idle('setMeter');
    const limit = meter.limit ?? this.#meter.limit;
    const budget = meter.budget === undefined ? this.#meter.budget : meter.budget;
    if (!(Number.isFinite(limit) && limit >= 0))
      throw new RangeError(`the meter's limit must be a number of units ≥ 0, got ${String(limit)}`);
    if (budget !== null && !(Number.isFinite(budget) && budget >= 0)) {
      throw new RangeError(`the meter's budget must be a number of units ≥ 0 or null, got ${String(budget)}`);
    }
    this.#recordText('meter', JSON.stringify({ limit, budget }));
    this.#applyMeter(limit, budget);
  }

  #applyMeter(limit: number, budget: number | null): void {
    // a budget counts from when it is set: what was used before is not charged to it
    const used = this.meterState().used;
    this.#meter = { limit, budget: budget === null ? null : used + budget, usedBefore: this.#meter.usedBefore };
  }

  /** Before the outermost host → guest call: the meter it runs with, or a refusal. */
  #meterCall(): void {
    const { limit, budget } = this.#meter;
    let allowed = limit > 0 ? limit : Number.POSITIVE_INFINITY;
    if (budget !== null) {
      const left = budget - this.meterState().used;
      if (left <= 0) throw new MeterExhaustedError(this.meterState().used);
      allowed = Math.min(allowed, left);
    }
    this.#machine!.meterLimit = allowed === Number.POSITIVE_INFINITY ? 0 : Math.ceil(allowed);
  }

  /** The endowments were journaled at entry `index`, before the snapshot this recorder resumes. */
  endowedAt(index: number): void {
    this.#endowed = { index, described: this.#endowed.described };
  }

  /** Journals the endowments, then installs them (a journaled call like any other). */
  endow(endowments: Readonly<Record<string, unknown>>): void {
    this.#endowed = { index: this.#entries.length, described: this.#endowed.described };
    this.#recordText('endow', this.#endowed.described);
    if (Object.keys(endowments).length > 0) this.#membrane!.defineGlobals(endowments);
  }

  get membrane(): Membrane {
    return this.#membrane!;
  }

  /** Attaches the membrane to a machine whose guest side is connected (a template's or a snapshot's). */
  attach(machine: Machine, options: JournaledOptions): void {
    this.#machine = machine;
    this.#membrane = attachMembrane(machine, {
      restored: true,
      nameOf: (value) => this.#nameOf.get(value),
      wire: (direct) => {
        this.#direct = direct;
        return { toGuest: (request) => this.#toGuest(request), fromGuest: (request) => this.#fromGuest(request) };
      },
      ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
      ...(options.modules === undefined ? {} : { modules: options.modules }),
      ...(options.errorClasses === undefined ? {} : { errorClasses: options.errorClasses }),
    });
  }

  /**
   * Journals an entry (in a replay, keeps it: the sink has the journal already). A message is kept
   * as the wire handed it over, not copied: the membrane's messages are buffers of their own.
   */
  #record(entry: JournalEntry): void {
    if (MESSAGE_KINDS.has(entry.kind)) {
      try {
        this.#tables.observe(entry);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        // the host's messages are the membrane's own encoding: in a replay, one the protocol
        // refuses is bytes no writer wrote. A guest's names no ids (the membrane answers it with
        // an error), and a replay checks it against what the guest sends.
        if (entry.kind === 'toGuest' || entry.kind === 'hostReply') {
          if (this.#replay) {
            this.#damaged(this.#replay.cursor - 1, `a ${entry.kind} message the protocol refuses: ${error.message}`, error);
          }
          throw error;
        }
      }
    }
    this.#entries.push(entry.kind, entry.message);
    if (this.#replay === undefined) {
      const bytes = this.#encoder.encode(KIND_BYTES[entry.kind], entry.message);
      this.#write(bytes);
    }
  }

  #recordText(kind: 'endow' | 'meter' | 'abort' | 'collect' | 'snapshot', text = ''): void {
    this.#record(textEntry(kind, text));
  }

  #toGuest(request: Uint8Array): Uint8Array {
    if (this.#replay) throw new JournalError('the host called into the guest while its journal was being replayed');
    if (this.#open === 0) this.#meterCall();
    this.#record({ kind: 'toGuest', message: request });
    let reply: Uint8Array;
    this.#open++;
    try {
      reply = this.#direct!.toGuest(request);
    } catch (error) {
      this.#recordText('abort', error instanceof Error ? error.name : 'Error');
      throw error;
    } finally {
      this.#open--;
      if (this.#open === 0 && this.#disposing) this.dispose();
    }
    this.#record({ kind: 'guestReply', message: reply });
    return reply;
  }

  #fromGuest(request: Uint8Array): Uint8Array {
    if (this.#replay) return this.#answerFromJournal(request);
    this.#record({ kind: 'fromGuest', message: request });
    const reply = this.#direct!.fromGuest(request);
    this.#record({ kind: 'hostReply', message: reply });
    return reply;
  }

  // ------------------------------------------------------------ replay

  replay(
    entries: readonly JournalEntry[],
    start: number,
    end: number,
    onProgress?: (done: number, total: number) => void,
    offsetOf: (index: number) => number = () => 0,
  ): void {
    const replay = { entries, cursor: start, end, offsetOf };
    this.#replay = replay;
    try {
      while (replay.cursor < end) {
        const entry = replay.entries[replay.cursor];
        if (entry?.kind === 'endow') {
          // the endowments this host gives must be those the journal's host gave
          const index = replay.cursor;
          this.#expect(['endow'], textEntry('endow', this.#endowed.described));
          this.#endowed = { index, described: this.#endowed.described };
          continue;
        }
        const next = this.#expect(['toGuest', 'collect', 'snapshot', 'meter']);
        if (next.kind === 'meter') {
          const { limit, budget } =
            meterEntry(next) ?? this.#damaged(replay.cursor - 1, 'a meter entry that is not { limit, budget }');
          this.#applyMeter(limit, budget);
        } else if (next.kind === 'collect') this.#machine!.collectGarbage();
        else if (next.kind === 'snapshot') this.#machine!.snapshot();
        else this.#deliver(next.message);
        onProgress?.(replay.cursor - start, end - start);
      }
    } finally {
      this.#replay = undefined;
    }
  }

  /** The next entry, which must be of one of these kinds; consumed and recorded. */
  #expect(kinds: readonly EntryKind[], actual?: JournalEntry): JournalEntry {
    const replay = this.#replay!;
    const index = replay.cursor;
    const entry = index < replay.end ? replay.entries[index] : undefined;
    if (
      entry === undefined ||
      !kinds.includes(entry.kind) ||
      (actual !== undefined && !sameBytes(actual.message, entry.message))
    ) {
      throw new JournalDivergenceError(index, quoteEntry(entry), actual ? quoteEntry(actual) : `one of ${kinds.join(', ')}`);
    }
    replay.cursor++;
    this.#record(entry);
    return entry;
  }

  /** An entry whose checksum holds but whose message no writer wrote. */
  #damaged(index: number, problem: string, cause?: unknown): never {
    // past the entry's length, its checksum and its kind
    const error = new JournalFormatError(this.#replay!.offsetOf(index) + 9, `entry ${index}: ${problem}`);
    if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, writable: true, configurable: true });
    throw error;
  }

  /** Replays a recorded host → guest request and checks the guest's answer. */
  #deliver(request: Uint8Array): void {
    let reply: Uint8Array;
    if (this.#open === 0) this.#meterCall();
    this.#open++;
    try {
      reply = this.#direct!.toGuest(request);
    } catch (error) {
      if (error instanceof JournalError) throw error;
      if (this.#replayFailure) throw this.#replayFailure;
      this.#expect(['abort'], textEntry('abort', error instanceof Error ? error.name : 'Error'));
      return;
    } finally {
      this.#open--;
    }
    // the guest may have caught what stopped the replay inside its call, and replied
    if (this.#replayFailure) throw this.#replayFailure;
    this.#expect(['guestReply'], { kind: 'guestReply', message: reply });
  }

  /** The guest asked the host something: the journal says what, and what the host answered. */
  #answerFromJournal(request: Uint8Array): Uint8Array {
    try {
      this.#expect(['fromGuest'], { kind: 'fromGuest', message: request });
      for (;;) {
        const entry = this.#expect(['toGuest', 'hostReply']);
        if (entry.kind === 'hostReply') return entry.message;
        this.#deliver(entry.message);
      }
    } catch (error) {
      // the guest's engine stands between this and the replay: it may not hand the error on as it is
      if (error instanceof JournalError) this.#replayFailure ??= error;
      throw error;
    }
  }

  // ------------------------------------------------------------ the result

  journaled(): Journaled {
    const recorder = this;
    const machine = this.#machine!;
    return Object.freeze({
      machine,
      membrane: this.#membrane!,
      header: this.#header,
      get entries() {
        return recorder.#entries.list();
      },
      collectGarbage: () => {
        recorder.#idle('collectGarbage');
        recorder.#recordText('collect');
        machine.collectGarbage();
      },
      snapshot: () => {
        recorder.#idle('snapshot');
        recorder.#recordText('snapshot');
        const meter = recorder.meterState();
        const heap = machine.snapshot();
        return encodeSnapshot({
          meta: {
            meter,
            buildId: recorder.#header.buildId,
            machine: recorder.#header.machine,
            position: recorder.#entries.length,
            journalId: recorder.#header.id,
            journalCrc: recorder.#crc,
            tables: recorder.#tables.state(),
            endowments: recorder.#endowed.described,
            endowed: recorder.#endowed.index,
          },
          heap,
        });
      },
      setMeter: (meter: MeterSettings) => recorder.setMeter(meter),
      get meter() {
        return recorder.meterState();
      },
      dispose: () => recorder.dispose(),
      [Symbol.dispose]: () => recorder.dispose(),
    });
  }

  dispose(): void {
    this.#membrane?.revoke();
    // XS is running on the machine inside a call (a host function the guest called asked): the
    // guest, cut off from the host now, finishes the call, then the machine goes
    if (this.#open > 0) this.#disposing = true;
    else if (this.#machine && !this.#machine.disposed) this.#machine.dispose();
  }
}
