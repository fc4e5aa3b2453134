// A machine with the membrane attached whose every crossing is journaled; and its restore, by
// replaying the journal into a fresh machine (or into one restored from a snapshot) and checking
// everything the guest sends against it.
import { attachMembrane, createConnectedMachine, type Membrane, type MembraneWire, type ModuleHost } from '@xsb/membrane';
import { type Engine, type Machine, MeterExhaustedError, SnapshotError } from '@xsb/xs-wasm';
import { describeEndowments, type EntryKind, type JournalEntry } from './entries.js';
import { EngineMismatchError, JournalDivergenceError, JournalError, JournalFormatError, SnapshotFormatError } from './errors.js';
import { encodeEntry, encodeHeader, type JournalHeader, JournalReader, type MachineSettings, readJournal } from './format.js';
import { type JournalSink, MemorySink } from './sink.js';
import { decodeSnapshot, encodeSnapshot, type MeterState } from './snapshot.js';
import { Tables } from './tables.js';

export interface JournaledOptions {
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
  /** Kept in the journal's header for the embedder (JSON); a restore ignores it. */
  readonly host?: unknown;
}

export interface Journaled extends Disposable {
  readonly machine: Machine;
  readonly membrane: Membrane;
  readonly header: JournalHeader;
  /** Every entry since the machine was created, replayed ones included. */
  readonly entries: readonly JournalEntry[];
  /** Collects the guest's garbage; journaled, since guest finalizers may run after it. */
  collectGarbage(): void;
  /** The heap, the host's id tables and the journal position, in one buffer (see restoreJournaled). */
  snapshot(): Uint8Array;
  /**
   * Sets the guest's meter, journaled: `limit` units per call from the host (0 for none) and a
   * `budget` for all calls from here on (null for none). Each call runs with whichever is
   * smaller, the limit or what is left of the budget; with nothing left, a call is refused
   * with MeterExhaustedError before the guest runs. A replay runs with the same.
   */
  setMeter(meter: { readonly limit?: number; readonly budget?: number | null }): void;
  /** The meter's settings and the units used so far (by every call, replayed ones included). */
  readonly meter: MeterState;
  dispose(): void;
}

export interface RestoreOptions extends JournaledOptions {
  /** The journal's bytes (the whole file: a snapshot says where its tail starts). */
  readonly journal: Uint8Array;
  /** A snapshot taken of the same sandbox: replay only the entries after it. */
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
  const header: JournalHeader = {
    buildId: engine.buildId,
    machine: { ...options.machine },
    ...(options.host === undefined ? {} : { host: options.host }),
  };
  const machine = createConnectedMachine(engine, header.machine);
  const endowments = options.endowments ?? {};
  const recorder = new Recorder(header, options.sink ?? new MemorySink(), new Tables(), [], endowments);
  recorder.attach(machine, options);
  recorder.endow(endowments);
  return recorder.journaled();
}

/** Brings a journaled machine back: from a snapshot and the journal's tail, or by pure replay. */
export function restoreJournaled(engine: Engine, options: RestoreOptions): { journaled: Journaled; report: RestoreReport } {
  const read = readJournal(options.journal);
  const { header } = read;
  if (header.buildId !== engine.buildId) throw new EngineMismatchError('journal', header.buildId, engine.buildId);
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
  // a new sink gets the journal so far; a sink resuming the old file has it already
  if (sink.size > 0 && sink.size !== read.resumeAt) {
    throw new JournalError(
      `the sink holds ${sink.size} bytes, but this journal continues after byte ${read.resumeAt}: resume its file at readJournal(journal).resumeAt, or give a new sink`,
    );
  }
  if (sink.size === 0) {
    sink.write(encodeHeader(header));
    for (const entry of read.entries.slice(0, complete)) sink.write(encodeEntry(entry));
  }
  const tables = snapshot ? Tables.from(snapshot.meta.tables) : new Tables();
  const recorder = new Recorder(header, sink, tables, read.entries.slice(0, start), endowments);
  if (snapshot) {
    recorder.endowedAt(snapshot.meta.endowed);
    recorder.meterFrom(snapshot.meta.meter);
  }
  try {
    recorder.attach(machine, options);
    recorder.replay(read.entries, start, complete, options.onProgress, (index) => {
      // for errors only: reading the journal again is cheaper than keeping every offset
      const reader = new JournalReader();
      reader.push(options.journal);
      return reader.offsetOf(index);
    });
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

/** A meter entry's settings, or undefined if they are not ones setMeter writes. */
function meterEntry(message: string): { limit: number; budget: number | null } | undefined {
  let settings: unknown;
  try {
    settings = JSON.parse(message);
  } catch {
    return undefined;
  }
  const { limit, budget } = (settings ?? {}) as { limit?: unknown; budget?: unknown };
  const units = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
  return units(limit) && (budget === null || units(budget)) ? { limit, budget } : undefined;
}

/** How many entries from the start make whole exchanges: a journal may end inside one. */
const quoteEntry = (entry: JournalEntry | undefined): string =>
  entry === undefined
    ? 'the end of the journal'
    : `${entry.kind} ${entry.message.length > 300 ? `${entry.message.slice(0, 300)}…` : entry.message}`;

class Recorder {
  readonly #header: JournalHeader;
  readonly #sink: JournalSink;
  readonly #tables: Tables;
  readonly #entries: JournalEntry[];
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
    entries: JournalEntry[],
    endowments: Readonly<Record<string, unknown>>,
  ) {
    this.#header = header;
    this.#sink = sink;
    this.#tables = tables;
    this.#entries = entries;
    this.#endowed = { index: -1, described: describeEndowments(endowments) };
    for (const name of Object.keys(endowments)) {
      const value = endowments[name];
      if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
        this.#nameOf.set(value, name);
        this.#byName.set(name, value);
      }
    }
    if (sink.size === 0) sink.write(encodeHeader(header));
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

  setMeter(meter: { readonly limit?: number; readonly budget?: number | null }): void {
    const limit = meter.limit ?? this.#meter.limit;
    const budget = meter.budget === undefined ? this.#meter.budget : meter.budget;
    if (!(Number.isFinite(limit) && limit >= 0))
      throw new RangeError(`the meter's limit must be a number of units ≥ 0, got ${String(limit)}`);
    if (budget !== null && !(Number.isFinite(budget) && budget >= 0)) {
      throw new RangeError(`the meter's budget must be a number of units ≥ 0 or null, got ${String(budget)}`);
    }
    this.#record('meter', JSON.stringify({ limit, budget }));
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
    this.#record('endow', this.#endowed.described);
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
    });
  }

  #record(kind: EntryKind, message: string): void {
    const entry: JournalEntry = { kind, message };
    this.#tables.observe(entry);
    this.#entries.push(entry);
    if (this.#replay === undefined) this.#sink.write(encodeEntry(entry));
  }

  #toGuest(request: string): string {
    if (this.#replay) throw new JournalError('the host called into the guest while its journal was being replayed');
    if (this.#open === 0) this.#meterCall();
    this.#record('toGuest', request);
    let reply: string;
    this.#open++;
    try {
      reply = this.#direct!.toGuest(request);
    } catch (error) {
      this.#record('abort', error instanceof Error ? error.name : 'Error');
      throw error;
    } finally {
      this.#open--;
    }
    this.#record('guestReply', reply);
    return reply;
  }

  #fromGuest(request: string): string {
    if (this.#replay) return this.#answerFromJournal(request);
    this.#record('fromGuest', request);
    const reply = this.#direct!.fromGuest(request);
    this.#record('hostReply', reply);
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
          this.#expect(['endow'], { kind: 'endow', message: this.#endowed.described });
          this.#endowed = { index, described: this.#endowed.described };
          continue;
        }
        const next = this.#expect(['toGuest', 'collect', 'snapshot', 'meter']);
        if (next.kind === 'meter') {
          const { limit, budget } =
            meterEntry(next.message) ?? this.#damaged(replay.cursor - 1, 'a meter entry that is not { limit, budget }');
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
    if (entry === undefined || !kinds.includes(entry.kind) || (actual !== undefined && actual.message !== entry.message)) {
      throw new JournalDivergenceError(index, quoteEntry(entry), actual ? quoteEntry(actual) : `one of ${kinds.join(', ')}`);
    }
    replay.cursor++;
    try {
      this.#record(entry.kind, entry.message);
    } catch (error) {
      // the id tables read every message; the entry's checksum held, so it was written so
      if (error instanceof SyntaxError) this.#damaged(index, `a ${entry.kind} message that is not JSON`);
      throw error;
    }
    return entry;
  }

  /** An entry whose checksum holds but whose message no writer wrote. */
  #damaged(index: number, problem: string): never {
    // past the entry's length, its checksum and its kind
    throw new JournalFormatError(this.#replay!.offsetOf(index) + 9, `entry ${index}: ${problem}`);
  }

  /** Replays a recorded host → guest request and checks the guest's answer. */
  #deliver(request: string): void {
    let reply: string;
    if (this.#open === 0) this.#meterCall();
    this.#open++;
    try {
      reply = this.#direct!.toGuest(request);
    } catch (error) {
      if (error instanceof JournalError) throw error;
      this.#expect(['abort'], { kind: 'abort', message: error instanceof Error ? error.name : 'Error' });
      return;
    } finally {
      this.#open--;
    }
    this.#expect(['guestReply'], { kind: 'guestReply', message: reply });
  }

  /** The guest asked the host something: the journal says what, and what the host answered. */
  #answerFromJournal(request: string): string {
    this.#expect(['fromGuest'], { kind: 'fromGuest', message: request });
    for (;;) {
      const entry = this.#expect(['toGuest', 'hostReply']);
      if (entry.kind === 'hostReply') return entry.message;
      this.#deliver(entry.message);
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
        return recorder.#entries as readonly JournalEntry[];
      },
      collectGarbage: () => {
        recorder.#record('collect', '');
        machine.collectGarbage();
      },
      snapshot: () => {
        recorder.#record('snapshot', '');
        const meter = recorder.meterState();
        const heap = machine.snapshot();
        return encodeSnapshot({
          meta: {
            meter,
            buildId: recorder.#header.buildId,
            machine: recorder.#header.machine,
            position: recorder.#entries.length,
            tables: recorder.#tables.state(),
            endowments: recorder.#endowed.described,
            endowed: recorder.#endowed.index,
          },
          heap,
        });
      },
      setMeter: (meter: { readonly limit?: number; readonly budget?: number | null }) => recorder.setMeter(meter),
      get meter() {
        return recorder.meterState();
      },
      dispose: () => recorder.dispose(),
      [Symbol.dispose]: () => recorder.dispose(),
    });
  }

  dispose(): void {
    this.#membrane?.revoke();
    if (this.#machine && !this.#machine.disposed) this.#machine.dispose();
  }
}
