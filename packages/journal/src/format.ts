// The journal's bytes. All integers are little-endian u32 unless said otherwise.
//
//   header:  "XSBJ" | u16 format version | u16 0 | u32 n | n bytes of JSON (JournalHeader) | u32 crc32 of all before
//   entry:   u32 n | u32 crc32 of those 4 bytes | u8 kind | n-1 bytes of message | u32 crc32 of the n bytes
//
// The length has a checksum of its own, so that a damaged length is told from a cut one: an entry
// whose bytes end early is a torn write (the process died while appending), reported, not an
// error; any checksum that fails is damage, an error naming the offset. A message is the bytes
// that crossed the membrane (its protocol, whose version the header records), or an entry's text
// (see JournalEntry); text is CESU-8, as the engine speaks it: every JavaScript string, lone
// surrogates included, survives the round trip.
import { PROTOCOL_VERSION } from '@xsb/membrane';
import { decodeCesu8, encodeCesu8 } from '@xsb/xs-wasm';
import { checkPreamble, type Preamble, putU32, u32, writePreamble } from './bytes.js';
import { crc32 } from './crc32.js';
import { DEPTH_CHANGE, ENTRY_KINDS, type EntryKind, type JournalEntry } from './entries.js';
import { JournalFormatError, ProtocolVersionError } from './errors.js';

/** "XSBJ" in ASCII: the first four bytes of every journal. */
export const JOURNAL_MAGIC: readonly [0x58, 0x53, 0x42, 0x4a] = Object.freeze([0x58, 0x53, 0x42, 0x4a] as const);

/**
 * Bumped on any incompatible change to the format; a reader refuses versions it does not know.
 * 2: the header has an id, which snapshots carry. 3: messages are the membrane's binary protocol
 * (no longer JSON text), and the header records its version.
 */
export const JOURNAL_FORMAT_VERSION = 3;

/** Machine settings the guest's behaviour depends on: a replay creates its machine with them. */
export interface MachineSettings {
  readonly memoryLimit?: number;
  readonly stackSlots?: number;
  readonly randomSeed?: number;
}

export interface JournalHeader {
  /** Names the journal, fixed when it is started: a snapshot restores only with a journal of its id. */
  readonly id: string;
  /** The engine build that wrote the journal (Engine.buildId). */
  readonly buildId: string;
  /** The version of the membrane's protocol its messages are in (PROTOCOL_VERSION of @xsb/membrane). */
  readonly protocol: number;
  /** false when the engine's fast path was off (Engine.setFastPath): a replay must run so too. Absent when on. */
  readonly fastPath?: false;
  readonly machine: MachineSettings;
  /** What the embedder recorded about itself (the sandbox: its plugins), as JSON. */
  readonly host?: unknown;
}

/** Largest header or entry the reader accepts; beyond it a length is taken for damage. */
const MAX_RECORD = 2 ** 31;

const PREAMBLE: Preamble = { magic: JOURNAL_MAGIC, version: JOURNAL_FORMAT_VERSION, what: 'journal' };
const fail = (offset: number, problem: string): never => {
  throw new JournalFormatError(offset, problem);
};

/**
 * The id of a journal started without one: derived from the rest of its header, so that the same
 * calls write the same bytes in any process. Journals started alike share it; the digest a snapshot
 * keeps of the journal before it tells them apart once their calls differ (until then, their
 * guests are the same too).
 */
export const defaultJournalId = (header: Omit<JournalHeader, 'id'>): string =>
  crc32(encodeCesu8(JSON.stringify(header)))
    .toString(16)
    .padStart(8, '0');

export function encodeHeader(header: JournalHeader): Uint8Array {
  const json = encodeCesu8(JSON.stringify(header));
  const bytes = new Uint8Array(12 + json.length + 4);
  writePreamble(bytes, PREAMBLE);
  putU32(bytes, 8, json.length);
  bytes.set(json, 12);
  putU32(bytes, 12 + json.length, crc32(bytes, 0, 12 + json.length));
  return bytes;
}

/** An entry's kind as its byte. */
export function kindByte(kind: EntryKind): number {
  const byte = ENTRY_KINDS.indexOf(kind);
  if (byte < 0) throw new TypeError(`no journal entry kind ${JSON.stringify(kind)}`);
  return byte;
}

/**
 * Frames entries in one buffer it keeps, grown as needed: framing an entry allocates nothing
 * but the view it returns.
 */
export class EntryEncoder {
  #buffer = new Uint8Array(4096);

  /** The entry's bytes, valid until the next call. */
  encode(kind: number, message: Uint8Array): Uint8Array {
    const length = 1 + message.length;
    const size = 8 + length + 4;
    if (size > this.#buffer.length) {
      let grown = this.#buffer.length * 2;
      while (grown < size) grown *= 2;
      this.#buffer = new Uint8Array(grown);
    } else if (this.#buffer.length > 1 << 20 && size <= 4096) {
      // a buffer grown by a huge message is not kept
      this.#buffer = new Uint8Array(4096);
    }
    const bytes = this.#buffer;
    putU32(bytes, 0, length);
    putU32(bytes, 4, crc32(bytes, 0, 4));
    bytes[8] = kind;
    bytes.set(message, 9);
    putU32(bytes, 8 + length, crc32(bytes, 8, 8 + length));
    return bytes.subarray(0, size);
  }
}

const encoder = new EntryEncoder();

/** An entry's bytes, in a buffer of their own. */
export const encodeEntry = (entry: JournalEntry): Uint8Array => encoder.encode(kindByte(entry.kind), entry.message).slice();

/**
 * Reads a journal as its bytes arrive (a file being written, say): push() what came, read
 * header and entries so far. Damage throws JournalFormatError; an incomplete last entry waits
 * for more bytes (`pendingBytes` says how many are held).
 */
export class JournalReader {
  #bytes = new Uint8Array(0);
  /** Offset in the journal of #bytes[0]. */
  #base = 0;
  #header: JournalHeader | undefined;
  readonly #entries: JournalEntry[] = [];
  /** Offset of each entry, for errors. */
  readonly #offsets: number[] = [];

  get header(): JournalHeader | undefined {
    return this.#header;
  }

  get entries(): readonly JournalEntry[] {
    return this.#entries;
  }

  /** Offset of entry `index` in the journal. */
  offsetOf(index: number): number {
    return this.#offsets[index] ?? this.validBytes;
  }

  /** Bytes read as complete header and entries. */
  get validBytes(): number {
    return this.#base;
  }

  /** Bytes held back as the start of a header or entry not yet complete (a torn write, if no more come). */
  get pendingBytes(): number {
    return this.#bytes.length;
  }

  /** Adds bytes that follow those pushed before; returns the entries they completed. */
  push(chunk: Uint8Array): readonly JournalEntry[] {
    const joined = new Uint8Array(this.#bytes.length + chunk.length);
    joined.set(this.#bytes, 0);
    joined.set(chunk, this.#bytes.length);
    const completed: JournalEntry[] = [];
    let at = 0;
    if (this.#header === undefined) {
      const read = this.#readHeader(joined);
      if (read === 0) {
        this.#bytes = joined;
        return completed;
      }
      at = read;
    }
    for (;;) {
      const read = this.#readEntry(joined, at);
      if (read === undefined) break;
      this.#offsets.push(this.#base + at);
      this.#entries.push(read.entry);
      completed.push(read.entry);
      at += read.size;
    }
    this.#bytes = joined.slice(at);
    this.#base += at;
    return completed;
  }

  /** Returns the header's size, or 0 while it is incomplete. */
  #readHeader(bytes: Uint8Array): number {
    const check = (at: number, ok: boolean, problem: string) => {
      if (!ok) fail(at, problem);
    };
    if (!checkPreamble(bytes, PREAMBLE, fail) || bytes.length < 12) return 0;
    const length = u32(bytes, 8);
    check(8, length < MAX_RECORD, `a header of ${length} bytes is past any real one: the length is damaged`);
    if (bytes.length < 12 + length + 4) return 0;
    check(12 + length, u32(bytes, 12 + length) === crc32(bytes, 0, 12 + length), 'the header does not match its checksum');
    let header: unknown;
    try {
      header = JSON.parse(decodeCesu8(bytes.subarray(12, 12 + length)));
    } catch {
      throw new JournalFormatError(12, 'the header is not JSON');
    }
    const { id, buildId, machine, protocol, fastPath } = (header ?? {}) as Partial<JournalHeader>;
    check(
      12,
      typeof id === 'string' && typeof buildId === 'string' && typeof machine === 'object' && machine !== null,
      'the header lacks id, buildId or machine',
    );
    check(
      12,
      fastPath === undefined || fastPath === false,
      `the header's fastPath is ${JSON.stringify(fastPath)}: only false is written`,
    );
    // messages in another protocol would be replayed as what they are not
    if (protocol !== PROTOCOL_VERSION) throw new ProtocolVersionError(12, protocol, PROTOCOL_VERSION);
    // a checksum holds for bytes written on purpose too: settings the writer could not have used are damage
    const { memoryLimit, stackSlots, randomSeed } = machine as Record<string, unknown>;
    const positive = (value: unknown) => value === undefined || (Number.isSafeInteger(value) && (value as number) > 0);
    check(
      12,
      positive(memoryLimit) && positive(stackSlots) && (randomSeed === undefined || Number.isSafeInteger(randomSeed)),
      `the header's machine settings ${JSON.stringify(machine)} are not ones a machine was created with`,
    );
    this.#header = header as JournalHeader;
    return 12 + length + 4;
  }

  #readEntry(bytes: Uint8Array, at: number): { entry: JournalEntry; size: number } | undefined {
    const offset = this.#base + at;
    if (bytes.length - at < 8) return undefined;
    const length = u32(bytes, at);
    if (u32(bytes, at + 4) !== crc32(bytes, at, at + 4)) {
      throw new JournalFormatError(offset, `entry ${this.#entries.length}: its length does not match its checksum`);
    }
    if (length < 1 || length >= MAX_RECORD) {
      throw new JournalFormatError(offset, `entry ${this.#entries.length}: a length of ${length} bytes is impossible`);
    }
    if (bytes.length - at < 8 + length + 4) return undefined;
    if (u32(bytes, at + 8 + length) !== crc32(bytes, at + 8, at + 8 + length)) {
      throw new JournalFormatError(offset + 8, `entry ${this.#entries.length}: its bytes do not match their checksum`);
    }
    const kind = ENTRY_KINDS[bytes[at + 8]!];
    if (kind === undefined)
      throw new JournalFormatError(offset + 8, `entry ${this.#entries.length}: unknown kind ${bytes[at + 8]}`);
    // a view of the bytes push() joined, which nothing writes to again
    return { entry: { kind, message: bytes.subarray(at + 9, at + 8 + length) }, size: 8 + length + 4 };
  }
}

/** A journal's header alone, without reading its entries. */
export function readJournalHeader(bytes: Uint8Array): JournalHeader {
  const reader = new JournalReader();
  // the header's length is at 8; past it, the header and its checksum
  reader.push(bytes.subarray(0, bytes.length < 12 ? bytes.length : Math.min(bytes.length, 16 + u32(bytes, 8))));
  const header = reader.header;
  if (header === undefined) throw new JournalFormatError(bytes.length, 'the journal ends inside its header');
  return header;
}

/** What reading a whole journal found. */
export interface ReadJournal {
  readonly header: JournalHeader;
  readonly entries: readonly JournalEntry[];
  /** Bytes of complete header and entries. */
  readonly validBytes: number;
  /** Bytes after them: the start of an entry whose write was cut short (0 for a clean end). */
  readonly tornBytes: number;
  /** Entries that finish their exchanges: what a restore replays (the rest, the writer died inside a call). */
  readonly completeEntries: number;
  /**
   * Where a sink continuing this journal in its own file resumes (FileSink's resumeAt): after the
   * complete entries, so that an unfinished exchange and a torn entry are cut off.
   */
  readonly resumeAt: number;
  /** Offset of entry `index` (validBytes past the last). */
  offsetOf(index: number): number;
}

/** Reads a whole journal; a torn last entry is reported in `tornBytes`, damage throws JournalFormatError. */
export function readJournal(bytes: Uint8Array): ReadJournal {
  const reader = new JournalReader();
  reader.push(bytes);
  const header = reader.header;
  if (header === undefined) throw new JournalFormatError(bytes.length, 'the journal ends inside its header');
  let depth = 0;
  let complete = 0;
  reader.entries.forEach((entry, index) => {
    depth += DEPTH_CHANGE[entry.kind];
    if (depth === 0) complete = index + 1;
  });
  return {
    header,
    entries: reader.entries,
    validBytes: reader.validBytes,
    tornBytes: reader.pendingBytes,
    completeEntries: complete,
    resumeAt: reader.offsetOf(complete),
    offsetOf: (index) => reader.offsetOf(index),
  };
}
