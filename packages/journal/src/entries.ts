// What the journal records: every message across the membrane, in order, as the bytes that
// crossed (the membrane's protocol, packages/membrane/src/protocol.ts), plus the host's operations
// on the machine that the guest can observe.
//
// The order keeps the nesting: a host → guest request is followed by the guest → host requests
// it caused (each followed by the host requests *they* caused, and then the host's reply) and
// finally by the guest's reply.
import { describeMessage } from '@xsb/membrane';
import { decodeCesu8, encodeCesu8 } from '@xsb/xs-wasm';

export type EntryKind =
  /** A host → guest request. */
  | 'toGuest'
  /** The guest's reply to the innermost open toGuest. */
  | 'guestReply'
  /** A guest → host request: checked, not performed, in a replay. */
  | 'fromGuest'
  /** The host's reply to the innermost open fromGuest: handed to the guest in a replay. */
  | 'hostReply'
  /** The host collected the guest's garbage (snapshots do too): guest finalizers may run after it. */
  | 'collect'
  /** The innermost open toGuest ended without a reply; `message` is the error's name. */
  | 'abort'
  /** The host's endowments, described (see describeEndowments): a restore must give the same. */
  | 'endow'
  /**
   * The host took a snapshot. XS collects first, and the finalizers that collection calls for
   * run at the end of the next call, not this one: a replay writes (and drops) a snapshot here too.
   */
  | 'snapshot'
  /** The host set the guest's meter: JSON { limit, budget } (see Journaled.setMeter). */
  | 'meter';

export interface JournalEntry {
  readonly kind: EntryKind;
  /**
   * The entry's bytes. For the four message kinds (toGuest, guestReply, fromGuest, hostReply) one
   * message of the membrane's protocol, as it crossed: decodeMessage reads it, describeMessage
   * (or describeEntry) shows it. For the text kinds (endow, meter, abort) the CESU-8 bytes of
   * their text (UTF-8 for any text without lone surrogates or U+0000): entryText reads it. Empty
   * for collect and snapshot. Not to be written to: entries share the bytes they were read from.
   */
  readonly message: Uint8Array;
}

/** The kinds whose message is one of the membrane's. */
export const MESSAGE_KINDS: ReadonlySet<EntryKind> = new Set<EntryKind>(['toGuest', 'guestReply', 'fromGuest', 'hostReply']);

const NO_BYTES = new Uint8Array(0);

/** An entry of a text kind (endow, meter, abort), or collect and snapshot (no text). */
export const textEntry = (kind: EntryKind, text = ''): JournalEntry => ({
  kind,
  message: text === '' ? NO_BYTES : encodeCesu8(text),
});

/** The text of an entry of a text kind (endow, meter, abort; '' for collect and snapshot). */
export const entryText = (entry: JournalEntry): string => decodeCesu8(entry.message);

/** An entry in one line: its kind, and its message described (cut at `limit` characters, 300 unless told). */
export function describeEntry(entry: JournalEntry, limit = 300): string {
  const text = MESSAGE_KINDS.has(entry.kind) ? describeMessage(entry.message) : entryText(entry);
  if (text === '') return entry.kind;
  return `${entry.kind} ${text.length > limit ? `${text.slice(0, limit)}…` : text}`;
}

/** Kinds by their byte in the file format; append only. */
export const ENTRY_KINDS: readonly EntryKind[] = [
  'toGuest',
  'guestReply',
  'fromGuest',
  'hostReply',
  'collect',
  'abort',
  'endow',
  'snapshot',
  'meter',
];

/** How a kind changes the depth of open exchanges. */
export const DEPTH_CHANGE: Readonly<Record<EntryKind, number>> = {
  toGuest: 1,
  guestReply: -1,
  fromGuest: 1,
  hostReply: -1,
  collect: 0,
  abort: -1,
  endow: 0,
  snapshot: 0,
  meter: 0,
};

/**
 * What a journal keeps of the host's endowments: primitives by value, objects and functions by
 * kind (they are bound by name on restore), in key order.
 */
export function describeEndowments(endowments: Readonly<Record<string, unknown>>): string {
  const described: Record<string, string> = {};
  for (const key of Object.keys(endowments).sort()) {
    const value = endowments[key];
    described[key] =
      typeof value === 'function' || (typeof value === 'object' && value !== null)
        ? typeof value
        : typeof value === 'bigint'
          ? `${value}n`
          : value === undefined
            ? 'undefined'
            : `${typeof value} ${JSON.stringify(value)}`;
  }
  return JSON.stringify(described);
}
