// Hostile bytes: a realistic sandbox's journal and snapshot, damaged every way storage (or
// someone with write access to it) can damage them, restored through the public sandbox API by
// pure replay and from the snapshot plus the journal's tail. Each restore must either throw one of
// the typed errors or bring back a guest the original really was, never an untyped error, a wasm
// trap, a hang or a host crash. The cases come from a seeded PRNG (XSB_SEED to choose another):
// a failure names the seed and the case, which reproduce it.
import {
  DEPTH_CHANGE,
  decodeSnapshot,
  describeEntry,
  ENTRY_KINDS,
  EngineMismatchError,
  encodeEntry,
  encodeHeader,
  encodeSnapshot,
  entryText,
  type JournalEntry,
  JournalError,
  JournalFormatError,
  JournalReader,
  MESSAGE_KINDS,
  ProtocolVersionError,
  readJournalHeader,
  SnapshotFormatError,
  textEntry,
} from '@xsb/journal';
import { decodeMessage, encodeMessage, type Message, PROTOCOL_VERSION } from '@xsb/membrane';
import { loadEngine, PluginMismatchError, restoreSandbox } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';
import { concat } from '../../test-support/frames.js';
import { endowments, live, plugins, probe, STEPS } from './life.js';

const SEED = Number(process.env.XSB_SEED ?? 0x9e3779b9) >>> 0;

/** mulberry32: small, and the same sequence on every platform. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}
const random = prng(SEED);

// ---------------------------------------------------------------- the original, and another

const engine = await loadEngine();
const original = live(engine);
const journal = original.sink.bytes();
const snapshot = original.snapshot!;
const finalState = probe(original.sandbox);
original.sandbox.dispose();
// same program, same shape of journal, other arguments: its entries frame and checksum like ours
const other = live(engine, STEPS.length, 2);
const otherJournal = other.sink.bytes();
const otherSnapshot = other.snapshot!;
other.sandbox.dispose();

const layout = (bytes: Uint8Array) => {
  const reader = new JournalReader();
  reader.push(bytes);
  const count = reader.entries.length;
  return {
    entries: reader.entries,
    /** Offset of entry i; offsets[count] is the end. */
    offsets: Array.from({ length: count + 1 }, (_, i) => reader.offsetOf(i)),
  };
};
const { entries, offsets } = layout(journal);
const otherLayout = layout(otherJournal);
const N = entries.length;
const headerSize = offsets[0]!;
const position = decodeSnapshot(snapshot).meta.position;

/** Entry counts at which no exchange is open: where a restore may stop. */
const boundaries: number[] = [0];
let depth = 0;
entries.forEach((entry, i) => {
  depth += DEPTH_CHANGE[entry.kind];
  if (depth === 0) boundaries.push(i + 1);
});
/** The boundary a journal whose first `complete` entries are intact stops at. */
const boundaryWithin = (complete: number) => boundaries.filter((b) => b <= complete).at(-1)!;
/** Entries wholly inside the first `bytes` bytes. */
const entriesWithin = (bytes: number) => offsets.filter((o, i) => i > 0 && o <= bytes).length;

const references = new Map<number, string>([[N, finalState]]);
/**
 * The original's state after its first `b` entries (b a boundary): a pure replay of that prefix
 * of the undamaged journal. The first test checks these against live sandboxes at every step.
 */
function reference(b: number): string {
  let state = references.get(b);
  if (state === undefined) {
    const { sandbox } = restoreSandbox({
      engine,
      journal: journal.subarray(0, offsets[b]),
      plugins: plugins(),
      endowments: endowments(),
    });
    state = probe(sandbox);
    sandbox.dispose();
    references.set(b, state);
  }
  return state;
}

// ---------------------------------------------------------------- cases

type Expectation =
  /** Must throw this (or a subclass). */
  | { readonly kind: 'error'; readonly type: abstract new (...args: never[]) => Error }
  /** Intact up to byte `intact`, nothing or garbage after: restores exactly what those bytes hold. */
  | { readonly kind: 'prefix'; readonly intact: number }
  /**
   * A typed error, or a guest the original was at an exchange boundary no earlier than the bytes'
   * intact prefix. Compared without the meter's count: an extra or a missing collection (a
   * `collect` entry duplicated or dropped: it has no content to diverge on) changes only how many
   * units were counted, and the tally shows how often that happened.
   */
  | { readonly kind: 'any' }
  /**
   * Bytes rewritten with their checksums made again: a typed error, or a sandbox that works. Such
   * a writer can write any journal the replay accepts, and the guest is then what it says.
   */
  | { readonly kind: 'forged' };

interface Case {
  readonly family: string;
  readonly what: string;
  readonly journal: Uint8Array;
  readonly snapshot: Uint8Array | undefined;
  readonly expect: Expectation;
}

const modes = ['pure', 'snapshot'] as const;
const flip = (bytes: Uint8Array, at: number, mask: number) => {
  const damaged = bytes.slice();
  damaged[at]! ^= mask;
  return damaged;
};
const garbage = (length: number) => Uint8Array.from({ length }, () => random.int(256));
const entryBytes = (bytes: Uint8Array, at: readonly number[], i: number) => bytes.subarray(at[i]!, at[i + 1]!);
/** The journal with entries [from, to) replaced by `by`. */
const spliceEntries = (from: number, to: number, ...by: Uint8Array[]) =>
  concat(journal.subarray(0, offsets[from]), ...by, journal.subarray(offsets[to]));
/** Overwrites `length` bytes at `to` with those at `from` of `source`. */
const copyRange = (target: Uint8Array, source: Uint8Array, from: number, to: number, length: number) => {
  const damaged = target.slice();
  damaged.set(source.subarray(from, from + Math.min(length, target.length - to)), to);
  return damaged;
};
const rewriteSnapshotMeta = (change: (meta: Record<string, unknown>) => unknown) => {
  const { meta, heap } = decodeSnapshot(snapshot);
  return encodeSnapshot({ meta: change(structuredClone(meta) as unknown as Record<string, unknown>) as never, heap });
};
const rewriteHeader = (change: (header: Record<string, unknown>) => unknown) =>
  concat(encodeHeader(change({ ...readJournalHeader(journal) }) as never), journal.subarray(headerSize));

const journalCases: Case[] = [];
const snapshotCases: Case[] = [];
const onJournal = (family: string, what: string, damaged: Uint8Array, expect: Expectation) => {
  for (const mode of modes) {
    journalCases.push({
      family,
      what: `${what}, ${mode}`,
      journal: damaged,
      snapshot: mode === 'pure' ? undefined : snapshot,
      expect,
    });
  }
};
const onSnapshot = (family: string, what: string, damaged: Uint8Array, expect: Expectation) =>
  snapshotCases.push({ family, what, journal, snapshot: damaged, expect });
const formatError: Expectation = { kind: 'error', type: JournalFormatError };
const snapshotFormatError: Expectation = { kind: 'error', type: SnapshotFormatError };
const any: Expectation = { kind: 'any' };
const forged: Expectation = { kind: 'forged' };

// CRC-32 catches every burst of 32 bits or fewer: a bit or a byte changed anywhere is always found.
for (let i = 0; i < 600; i++) {
  const at = random.int(journal.length);
  const bit = random.int(8);
  onJournal('bit flip', `bit ${bit} of byte ${at}`, flip(journal, at, 1 << bit), formatError);
}
for (let i = 0; i < 200; i++) {
  const at = random.int(journal.length);
  const mask = 1 + random.int(255);
  onJournal('byte changed', `byte ${at} ^ ${mask}`, flip(journal, at, mask), formatError);
}
for (let i = 0; i < 100; i++) {
  const length = 2 + random.int(31);
  const at = random.int(journal.length - length);
  const damaged = journal.slice();
  damaged.set(garbage(length), at);
  onJournal('burst', `${length} random bytes at ${at}`, damaged, any);
}
// cut short: at every step's end, at entry starts inside exchanges, and at random bytes
const cuts = [0, 1, 4, 7, 8, 11, 12, headerSize - 1, headerSize, journal.length - 1];
for (const b of original.boundaries) cuts.push(offsets[b]!);
for (let i = 0; i < 30; i++) cuts.push(offsets[random.int(N)]!);
for (let i = 0; i < 60; i++) cuts.push(random.int(journal.length));
for (const cut of cuts)
  onJournal('cut', `cut at ${cut}`, journal.subarray(0, cut), cut < headerSize ? formatError : { kind: 'prefix', intact: cut });
for (let i = 0; i < 80; i++) {
  const length = i % 4 === 0 ? 1 + random.int(7) : 1 + random.int(200);
  onJournal('extended', `${length} random bytes appended`, concat(journal, garbage(length)), {
    kind: 'prefix',
    intact: journal.length,
  });
}
for (const length of [1, 7, 8, 12, 64]) {
  onJournal('extended', `${length} zeros appended`, concat(journal, new Uint8Array(length)), {
    kind: 'prefix',
    intact: journal.length,
  });
}
for (let i = 0; i < 150; i++) {
  const length = 1 + random.int(64);
  const from = random.int(journal.length - length);
  const to = random.int(journal.length - length);
  onJournal('range copied', `${length} bytes from ${from} to ${to}`, copyRange(journal, journal, from, to, length), any);
}
for (let i = 0; i < 150; i++) {
  const length = 1 + random.int(64);
  const to = random.int(journal.length - length);
  // the same offset half the time: the other journal frames its entries like ours, there
  const from = i % 2 ? to : random.int(otherJournal.length - length);
  onJournal(
    'range from another journal',
    `${length} bytes from its ${from} to ${to}`,
    copyRange(journal, otherJournal, from, to, length),
    any,
  );
}
// whole entries moved about: every checksum holds, so only the replay can tell
for (let i = 0; i < 25; i++) {
  const at = random.int(N);
  onJournal(
    'entry duplicated',
    `entry ${at} (${entries[at]!.kind})`,
    spliceEntries(at, at, entryBytes(journal, offsets, at)),
    any,
  );
}
for (let i = 0; i < 25; i++) {
  const at = random.int(N);
  onJournal('entry dropped', `entry ${at} (${entries[at]!.kind})`, spliceEntries(at, at + 1), any);
}
for (let i = 0; i < 25; i++) {
  const a = random.int(N - 1);
  const b = a + 1 + random.int(Math.min(20, N - 1 - a));
  const swapped = concat(
    journal.subarray(0, offsets[a]),
    entryBytes(journal, offsets, b),
    journal.subarray(offsets[a + 1], offsets[b]),
    entryBytes(journal, offsets, a),
    journal.subarray(offsets[b + 1]),
  );
  onJournal('entries swapped', `entries ${a} and ${b}`, swapped, any);
}
// What the host wrote (its requests, its replies, its operations) a replay takes as given: one of
// another journal's, its checksums whole, is a forger's edit (SECURITY.md), which a replay cannot
// tell from the host's own answer. What the guest wrote, the replay checks.
const GUEST_WRITTEN: readonly string[] = ['guestReply', 'fromGuest'];
for (let i = 0; i < 25; i++) {
  const at = random.int(N);
  const from = Math.min(otherLayout.entries.length - 1, Math.max(0, at + random.int(5) - 2));
  const kind = otherLayout.entries[from]!.kind;
  onJournal(
    'entry from another journal',
    `its entry ${from} (${kind}) for our ${at}`,
    spliceEntries(at, at + 1, entryBytes(otherJournal, otherLayout.offsets, from)),
    GUEST_WRITTEN.includes(kind) ? any : forged,
  );
}
for (const at of [1, 2, 4, 8, 16, 32]) {
  const from = otherLayout.offsets.length - 1 - at;
  onJournal(
    'entries of another journal appended',
    `its last ${at}`,
    concat(journal, otherJournal.subarray(otherLayout.offsets[from])),
    any,
  );
}
// rewritten entries: kind or message changed and checksummed again, as a writer could
/** The message with its first id (of an object or promise) bumped, or undefined if it names none. */
function bumpId(bytes: Uint8Array): Uint8Array | undefined {
  let bumped = false;
  const bump = (value: unknown): unknown => {
    if (bumped || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(bump);
    const v = value as Record<string, unknown>;
    if (typeof v.id === 'number' && (v.$ === 's' || v.$ === 'd' || v.$ === 'p')) {
      bumped = true;
      return { ...v, id: v.id + 1 + random.int(3) };
    }
    return Object.fromEntries(Object.entries(v).map(([key, item]) => [key, bump(item)]));
  };
  let message: Message;
  try {
    message = decodeMessage(bytes);
  } catch {
    return undefined;
  }
  const changed = bump(message) as Message;
  return bumped ? encodeMessage(changed) : undefined;
}
/** The entry's message changed: cut short, a byte flipped, or an id (a number, in text) bumped. */
function rewriteMessage(entry: JournalEntry): Uint8Array {
  const { message } = entry;
  const how = random.int(3);
  if (how === 0 && message.length > 0) return message.slice(0, random.int(message.length));
  if (how === 1 && message.length > 0) {
    const flipped = message.slice();
    flipped[random.int(message.length)]! ^= 1 + random.int(255);
    return flipped;
  }
  if (MESSAGE_KINDS.has(entry.kind)) return bumpId(message) ?? Uint8Array.of(...message, 0);
  const text = entryText(entry).replace(/\d+/, (n) => String(Number(n) + 1 + random.int(3)));
  return textEntry(entry.kind, text).message;
}
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);
for (let i = 0; i < 25; i++) {
  const at = random.int(N);
  const entry = entries[at]!;
  const message = random.next() < 0.5 ? entry.message : rewriteMessage(entry);
  const same = sameBytes(message, entry.message);
  const kind = same ? random.pick(ENTRY_KINDS.filter((k) => k !== entry.kind)) : entry.kind;
  onJournal(
    'entry rewritten',
    `entry ${at} as ${kind} ${describeEntry({ kind, message }).slice(kind.length + 1, kind.length + 61)}`,
    spliceEntries(at, at + 1, encodeEntry({ kind, message })),
    forged,
  );
}
for (const [at, value] of [
  [0, 0x59],
  [1, 0],
  [2, 0x62],
  [3, 0x53],
  [4, 1],
  [4, 2],
  [4, 4],
  [5, 1],
  [6, 1],
  [7, 0x80],
] as const) {
  const damaged = journal.slice();
  damaged[at] = value;
  onJournal('magic and version', `byte ${at} = ${value}`, damaged, formatError);
}
onJournal('magic and version', 'a snapshot for a journal', snapshot, formatError);
onJournal('magic and version', 'empty', new Uint8Array(0), formatError);
for (const [what, change, type] of [
  ['another build', (h: Record<string, unknown>) => ({ ...h, buildId: '0123456789abcdef' }), EngineMismatchError],
  ['no build', (h: Record<string, unknown>) => ({ ...h, buildId: undefined }), JournalFormatError],
  ['another protocol', (h: Record<string, unknown>) => ({ ...h, protocol: PROTOCOL_VERSION + 1 }), ProtocolVersionError],
  ['no protocol', (h: Record<string, unknown>) => ({ ...h, protocol: undefined }), ProtocolVersionError],
  ['machine null', (h: Record<string, unknown>) => ({ ...h, machine: null }), JournalFormatError],
  ['not an object', () => 42, JournalFormatError],
  ['no plugins', (h: Record<string, unknown>) => ({ ...h, host: { plugins: [] } }), PluginMismatchError],
  ['plugins not a list', (h: Record<string, unknown>) => ({ ...h, host: { plugins: 'timers' } }), JournalFormatError],
  ['plugins not names', (h: Record<string, unknown>) => ({ ...h, host: { plugins: [1, 2] } }), JournalFormatError],
  ['host null', (h: Record<string, unknown>) => ({ ...h, host: null }), PluginMismatchError],
  ['memory limit nonsense', (h: Record<string, unknown>) => ({ ...h, machine: { memoryLimit: 'lots' } }), JournalFormatError],
  ['stack slots negative', (h: Record<string, unknown>) => ({ ...h, machine: { stackSlots: -5 } }), JournalFormatError],
  ['random seed fractional', (h: Record<string, unknown>) => ({ ...h, machine: { randomSeed: 0.5 } }), JournalFormatError],
] as const) {
  onJournal('header rewritten', what, rewriteHeader(change), { kind: 'error', type });
}
// settings a machine can have, but not this one's: a replay diverges (the snapshot's heap keeps its own generator)
onJournal(
  'header rewritten',
  'random seed changed',
  rewriteHeader((h) => ({ ...h, machine: { randomSeed: 1 } })),
  forged,
);
onJournal(
  'header rewritten',
  'memory limit tiny',
  rewriteHeader((h) => ({ ...h, machine: { memoryLimit: 1024 } })),
  any,
);

for (let i = 0; i < 800; i++) {
  // the metadata is the first few hundred bytes: half the flips land there
  const at = i % 2 ? random.int(600) : random.int(snapshot.length);
  const bit = random.int(8);
  onSnapshot('snapshot bit flip', `bit ${bit} of byte ${at}`, flip(snapshot, at, 1 << bit), snapshotFormatError);
}
for (let i = 0; i < 100; i++) {
  const at = random.int(snapshot.length);
  onSnapshot('snapshot byte changed', `byte ${at}`, flip(snapshot, at, 1 + random.int(255)), snapshotFormatError);
}
for (const cut of [0, 3, 4, 8, 11, 12, 15, 16, 100, snapshot.length - 5, snapshot.length - 4, snapshot.length - 1]) {
  onSnapshot('snapshot cut', `cut at ${cut}`, snapshot.subarray(0, cut), snapshotFormatError);
}
for (let i = 0; i < 40; i++) {
  const cut = random.int(snapshot.length);
  onSnapshot('snapshot cut', `cut at ${cut}`, snapshot.subarray(0, cut), snapshotFormatError);
}
for (let i = 0; i < 40; i++) {
  const length = 1 + random.int(i % 2 ? 8 : 4096);
  onSnapshot('snapshot extended', `${length} bytes appended`, concat(snapshot, garbage(length)), snapshotFormatError);
}
const unchanged = (damaged: Uint8Array, by: Uint8Array) => damaged.length === by.length && damaged.every((b, i) => b === by[i]);
for (let i = 0; i < 60; i++) {
  const length = 1 + random.int(256);
  const from = random.int(snapshot.length - length);
  const to = random.int(snapshot.length - length);
  const damaged = copyRange(snapshot, snapshot, from, to, length);
  onSnapshot(
    'snapshot range copied',
    `${length} bytes from ${from} to ${to}`,
    damaged,
    unchanged(damaged, snapshot) ? { kind: 'prefix', intact: journal.length } : snapshotFormatError,
  );
}
for (let i = 0; i < 60; i++) {
  const length = 1 + random.int(256);
  const to = random.int(Math.min(snapshot.length, otherSnapshot.length) - length);
  const from = i % 2 ? to : random.int(otherSnapshot.length - length);
  const damaged = copyRange(snapshot, otherSnapshot, from, to, length);
  onSnapshot(
    'snapshot range from another',
    `${length} bytes from its ${from} to ${to}`,
    damaged,
    unchanged(damaged, snapshot) ? { kind: 'prefix', intact: journal.length } : snapshotFormatError,
  );
}
onSnapshot('another snapshot', "the other sandbox's, whole", otherSnapshot, any);
for (const [at, value] of [
  [0, 0x59],
  [3, 0x4a],
  [4, 1],
  [4, 3],
  [5, 1],
  [6, 1],
  [7, 1],
] as const) {
  const damaged = snapshot.slice();
  damaged[at] = value;
  onSnapshot('snapshot magic and version', `byte ${at} = ${value}`, damaged, snapshotFormatError);
}
onSnapshot('snapshot magic and version', 'a journal for a snapshot', journal, snapshotFormatError);
// rewritten metadata, checksummed again
for (const [what, change] of [
  ['another build', (m: Record<string, unknown>) => ({ ...m, buildId: 'feedfacecafebeef' })],
  ['position 0', (m: Record<string, unknown>) => ({ ...m, position: 0 })],
  ['position - 1', (m: Record<string, unknown>) => ({ ...m, position: position - 1 })],
  ['position + 1', (m: Record<string, unknown>) => ({ ...m, position: position + 1 })],
  ['position past the end', (m: Record<string, unknown>) => ({ ...m, position: N + 10 })],
  ['position negative', (m: Record<string, unknown>) => ({ ...m, position: -3 })],
  ['position a string', (m: Record<string, unknown>) => ({ ...m, position: '12' })],
  ['position fractional', (m: Record<string, unknown>) => ({ ...m, position: position + 0.5 })],
  ['metadata null', () => null],
  ['metadata a number', () => 7],
  ['no tables', (m: Record<string, unknown>) => ({ ...m, tables: undefined })],
  ['tables empty', (m: Record<string, unknown>) => ({ ...m, tables: {} })],
  [
    'tables nonsense',
    (m: Record<string, unknown>) => ({
      ...m,
      tables: { nextId: 'x', exported: 5, imported: [[1]], promises: null, awaited: 'no' },
    }),
  ],
  ['endowments other', (m: Record<string, unknown>) => ({ ...m, endowments: '{}' })],
  ['endowed negative', (m: Record<string, unknown>) => ({ ...m, endowed: -7 })],
  ['no meter', (m: Record<string, unknown>) => ({ ...m, meter: undefined })],
  ['meter nonsense', (m: Record<string, unknown>) => ({ ...m, meter: { limit: -1, budget: 'all', used: null } })],
  ['machine other', (m: Record<string, unknown>) => ({ ...m, machine: { randomSeed: 99 } })],
] as const) {
  onSnapshot('snapshot metadata rewritten', what, rewriteSnapshotMeta(change), forged);
}

// ---------------------------------------------------------------- running them

const JOURNAL_CASES = 3138;
const SNAPSHOT_CASES = 1139;

const TYPED = [JournalError, PluginMismatchError] as const;
const isTyped = (error: unknown) =>
  TYPED.some((type) => error instanceof type) && !(error instanceof TypeError || error instanceof RangeError);

interface Outcome {
  readonly ms: number;
  readonly error?: unknown;
  readonly state?: string;
  /** Entries the restored sandbox holds. */
  readonly restored?: number;
  readonly problem?: string;
}

/** First byte at which `damaged` differs from the original journal. */
const firstDifference = (damaged: Uint8Array) => {
  const end = Math.min(damaged.length, journal.length);
  for (let i = 0; i < end; i++) if (damaged[i] !== journal[i]) return i;
  return end;
};

function restore(c: Case): Outcome {
  const started = performance.now();
  try {
    const { sandbox, report } = restoreSandbox({
      engine,
      journal: c.journal,
      ...(c.snapshot === undefined ? {} : { snapshot: c.snapshot }),
      plugins: plugins(),
      endowments: endowments(),
    });
    try {
      const restored = sandbox.journal.length;
      const problem =
        report.validBytes + report.tornBytes === c.journal.length
          ? undefined
          : `the report's ${report.validBytes} valid and ${report.tornBytes} torn bytes are not the journal's ${c.journal.length}`;
      let state: string;
      try {
        state = probe(sandbox);
      } catch (error) {
        return { ms: performance.now() - started, restored, problem: `the restored sandbox fails its probe: ${show(error)}` };
      }
      return { ms: performance.now() - started, restored, state, ...(problem ? { problem } : {}) };
    } finally {
      sandbox.dispose();
    }
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/** What is wrong with an outcome, or undefined. */
function judge(c: Case, outcome: Outcome): string | undefined {
  if (outcome.problem) return outcome.problem;
  const { error, state, restored } = outcome;
  if (error !== undefined && !isTyped(error)) return `untyped ${show(error)}`;
  const expect = c.expect;
  if (expect.kind === 'error') {
    return error instanceof expect.type ? undefined : `expected a ${expect.type.name}, got ${error ? show(error) : 'a restore'}`;
  }
  if (expect.kind === 'prefix') {
    const b = boundaryWithin(entriesWithin(expect.intact));
    if (c.snapshot !== undefined && b < position) {
      return error instanceof JournalError
        ? undefined
        : `a cut before the snapshot must be a JournalError, got ${error ? show(error) : 'a restore'}`;
    }
    // garbage after the intact bytes may be refused as damage; nothing else may be
    if (error)
      return c.journal.length > expect.intact && error instanceof JournalFormatError ? undefined : `unexpected ${show(error)}`;
    if (restored !== b) return `restored ${restored} entries, expected ${b} (the last boundary within the intact bytes)`;
    return state === reference(b) ? undefined : `state ${state}, expected ${reference(b)}`;
  }
  if (error || expect.kind === 'forged') return undefined;
  // it restored: to a guest the original was, and no earlier than its intact bytes hold
  const intact = boundaryWithin(entriesWithin(firstDifference(c.journal)));
  const candidates = [...new Set([restored!, N, ...boundaries])].filter((b) => boundaries.includes(b) && b >= intact);
  const match = candidates.find((b) => guestOf(reference(b)) === guestOf(state!));
  if (match === undefined)
    return `restored to ${state} (${restored} entries), a guest the original never was at or after entry ${intact}`;
  if (reference(match) !== state) otherCounts++;
  return undefined;
}

/** A probe without the meter's count. */
const guestOf = (state: string) => state.slice(0, state.lastIndexOf(' | used '));
/** Restores to the right guest whose meter counted other units than the original's. */
let otherCounts = 0;

const show = (error: unknown) =>
  error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 200)}` : `non-error ${String(error)}`;

interface Tally {
  cases: number;
  outcomes: Map<string, number>;
  slowest: number;
  problems: string[];
}

function run(cases: readonly Case[]): Tally {
  const tally: Tally = { cases: 0, outcomes: new Map(), slowest: 0, problems: [] };
  otherCounts = 0;
  cases.forEach((c, index) => {
    const outcome = restore(c);
    tally.cases++;
    tally.slowest = Math.max(tally.slowest, outcome.ms);
    const key = `${c.family}: ${outcome.error ? (outcome.error as Error).constructor.name : outcome.restored === N ? 'restored whole' : 'restored to an earlier state'}`;
    tally.outcomes.set(key, (tally.outcomes.get(key) ?? 0) + 1);
    const problem = judge(c, outcome);
    if (problem) tally.problems.push(`seed ${SEED} case ${index} (${c.family}, ${c.what}): ${problem}`);
  });
  console.log(
    `seed ${SEED}: ${tally.cases} cases, slowest ${tally.slowest.toFixed(0)} ms, ${otherCounts} right guests with another meter count\n${[
      ...tally.outcomes,
    ]
      .map(([key, n]) => `  ${n} × ${key}`)
      .join('\n')}`,
  );
  return tally;
}

describe('hostile bytes, through restoreSandbox', () => {
  it(`has references that are the live sandbox's states at each of its ${STEPS.length} steps`, () => {
    expect(finalState).toBe(reference(N));
    for (let count = 1; count <= STEPS.length; count++) {
      const lived = live(engine, count);
      const b = lived.boundaries.at(-1)!;
      expect(boundaries, `step ${count} ends at a boundary`).toContain(b);
      // the same calls write the same bytes: the journal so far is a prefix of the whole one
      expect(lived.sink.bytes()).toEqual(journal.subarray(0, offsets[b]));
      expect(probe(lived.sandbox), `after step ${count} (${STEPS[count - 1]!.name})`).toBe(reference(b));
      lived.sandbox.dispose();
    }
  });

  it(`restores ${journalCases.length} damaged journals (seed ${SEED}) to a typed error or the right guest`, () => {
    const tally = run(journalCases);
    expect(tally.cases).toBe(JOURNAL_CASES);
    expect(tally.problems.slice(0, 20), `seed ${SEED}: ${tally.problems.length} wrong outcomes`).toEqual([]);
  });

  it(`restores ${snapshotCases.length} damaged snapshots (seed ${SEED}) to a typed error or the right guest`, () => {
    const tally = run(snapshotCases);
    expect(tally.cases).toBe(SNAPSHOT_CASES);
    expect(tally.problems.slice(0, 20), `seed ${SEED}: ${tally.problems.length} wrong outcomes`).toEqual([]);
  });

  // Not tested here: XS's snapshot reader trusts the heap. The CRC-32 finds damage by chance, not
  // bytes rewritten with the checksum made again, and such heaps can restore into machines that
  // hang (seed 0x9e3779b9, heap byte 19741 bit 0), die on first use or come back short of a
  // global. A synchronous hang cannot be bounded from this thread; SECURITY.md says what restore
  // trusts, and a hardened heap reader or a keyed MAC is the fix.
});
