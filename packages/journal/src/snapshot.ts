// A sandbox's state at one point of its journal, in one buffer:
//
//   "XSBS" | u16 format version | u16 0 | u32 n | n bytes of JSON (SnapshotMeta) | u32 m | m bytes of XS heap | u32 crc32 of all before
import { decodeCesu8, encodeCesu8 } from '@xsb/xs-wasm';
import { checkPreamble, type Preamble, putU32, u32, writePreamble } from './bytes.js';
import { crc32 } from './crc32.js';
import { SnapshotFormatError } from './errors.js';
import type { MachineSettings } from './format.js';
import type { TablesState } from './tables.js';

/** "XSBS" in ASCII. */
export const SNAPSHOT_MAGIC: readonly [0x58, 0x53, 0x42, 0x53] = Object.freeze([0x58, 0x53, 0x42, 0x53] as const);
/**
 * 2: the metadata names the journal (journalId, journalCrc). Journal format 3 (binary messages)
 * left it as it was: the metadata holds no message, the tables are ids, and a snapshot restores
 * only with its journal, whose version (and protocol's) the reader checks first.
 */
export const SNAPSHOT_FORMAT_VERSION = 2;

export interface SnapshotMeta {
  readonly buildId: string;
  readonly machine: MachineSettings;
  /** Entries of the journal the snapshot includes: a restore replays those after them. */
  readonly position: number;
  /** The id of the journal the snapshot was taken from (JournalHeader.id). */
  readonly journalId: string;
  /**
   * That journal's digest before entry `position`: the CRC-32 of the checksums ending its header
   * and each entry before it. A restore checks its journal's is the same.
   */
  readonly journalCrc: number;
  readonly tables: TablesState;
  /** The endowments as described in the journal (see describeEndowments), and that entry's index. */
  readonly endowments: string;
  readonly endowed: number;
  /** The meter's settings, and the units used before the snapshot was written. */
  readonly meter: MeterState;
}

/** A journaled machine's meter (see Journaled.setMeter). */
/** How a guest's meter is set (Journaled.setMeter): what is left out stays as it was. */
export interface MeterSettings {
  /** Units per call from the host; 0 for no limit. */
  readonly limit?: number;
  /** Units for every call from here on, all told; null for no budget. */
  readonly budget?: number | null;
}

export interface MeterState {
  /** Units per call from the host; 0 for no limit. */
  readonly limit: number;
  /** Units for every call from here on, all told; null for no budget. */
  readonly budget: number | null;
  /** Units used so far. */
  readonly used: number;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** The XS heap (Machine.snapshot). */
  readonly heap: Uint8Array;
}

const PREAMBLE: Preamble = { magic: SNAPSHOT_MAGIC, version: SNAPSHOT_FORMAT_VERSION, what: 'snapshot' };
const fail = (offset: number, problem: string): never => {
  throw new SnapshotFormatError(offset, problem);
};

export function encodeSnapshot({ meta, heap }: Snapshot): Uint8Array {
  const json = encodeCesu8(JSON.stringify(meta));
  const bytes = new Uint8Array(12 + json.length + 4 + heap.length + 4);
  writePreamble(bytes, PREAMBLE);
  putU32(bytes, 8, json.length);
  bytes.set(json, 12);
  putU32(bytes, 12 + json.length, heap.length);
  bytes.set(heap, 16 + json.length);
  const end = 16 + json.length + heap.length;
  putU32(bytes, end, crc32(bytes, 0, end));
  return bytes;
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const check = (at: number, ok: boolean, problem: string) => {
    if (!ok) fail(at, problem);
  };
  check(0, bytes instanceof Uint8Array, 'a snapshot is a Uint8Array');
  check(4, checkPreamble(bytes, PREAMBLE, fail) && bytes.length >= 12, `${bytes.length} bytes are too few for a snapshot`);
  const metaLength = u32(bytes, 8);
  check(
    8,
    12 + metaLength + 4 <= bytes.length,
    `the metadata length (${metaLength}) runs past the end: the snapshot is damaged or cut`,
  );
  const heapLength = u32(bytes, 12 + metaLength);
  const end = 16 + metaLength + heapLength;
  check(
    12 + metaLength,
    end + 4 === bytes.length,
    `the heap length (${heapLength}) does not fit the snapshot's ${bytes.length} bytes: it is damaged or cut`,
  );
  check(
    end,
    u32(bytes, end) === crc32(bytes, 0, end),
    `bytes 0 to ${end} do not match the checksum at ${end}: the snapshot is damaged`,
  );
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(decodeCesu8(bytes.subarray(12, 12 + metaLength))) as SnapshotMeta;
  } catch {
    throw new SnapshotFormatError(12, 'the metadata is not JSON');
  }
  const problem = metaProblem(meta);
  if (problem) throw new SnapshotFormatError(12, `the metadata ${problem}`);
  return { meta, heap: bytes.slice(16 + metaLength, end) };
}

// The checksum only tells damage from chance: bytes written on purpose (or by a buggy writer)
// pass it, and the restore trusts the metadata's shape, so a reader checks it.
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isUnits = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isIdPairs = (value: unknown, named: boolean): boolean =>
  Array.isArray(value) &&
  value.every(
    (pair) =>
      Array.isArray(pair) &&
      isCount(pair[0]) &&
      isCount(pair[1]) &&
      (pair.length === 2 || (named && pair.length === 3 && typeof pair[2] === 'string')),
  );

function metaProblem(meta: unknown): string | undefined {
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return 'is not an object';
  const { buildId, machine, position, journalId, journalCrc, tables, endowments, endowed, meter } = meta as Partial<
    Record<keyof SnapshotMeta, unknown>
  >;
  if (typeof buildId !== 'string') return 'lacks the build id';
  if (machine === null || typeof machine !== 'object') return 'lacks the machine settings';
  if (!isCount(position)) return `has a journal position of ${JSON.stringify(position)}`;
  if (typeof journalId !== 'string' || !(isCount(journalCrc) && journalCrc <= 0xffffffff)) {
    return "lacks its journal's id or digest";
  }
  if (typeof endowments !== 'string' || !(Number.isSafeInteger(endowed) && (endowed as number) >= -1)) {
    return 'lacks the endowments or where they were journaled';
  }
  const t = tables as Partial<Record<keyof TablesState, unknown>> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    !isCount(t.nextId) ||
    !isIdPairs(t.exported, true) ||
    !isIdPairs(t.imported, false) ||
    !(Array.isArray(t.promises) && t.promises.every(isCount)) ||
    !(Array.isArray(t.awaited) && t.awaited.every(isCount))
  ) {
    return 'has no id tables, or damaged ones';
  }
  const m = meter as Partial<Record<keyof MeterState, unknown>> | null;
  if (m === null || typeof m !== 'object' || !isUnits(m.limit) || !isUnits(m.used) || !(m.budget === null || isUnits(m.budget))) {
    return 'has no meter, or a damaged one';
  }
  return undefined;
}
