// What the journal records: every message across the membrane, in order, as the JSON text that
// crossed, plus the host's operations on the machine that the guest can observe.
//
// The order keeps the nesting: a host → guest request is followed by the guest → host requests
// it caused (each followed by the host requests *they* caused, and then the host's reply) and
// finally by the guest's reply.

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
  /** The message's JSON text ('' for collect). */
  readonly message: string;
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
