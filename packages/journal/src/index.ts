/** The first four bytes of every journal, "XSBJ" in ASCII, so a reader refuses files that are not one. */
export const JOURNAL_MAGIC: readonly [0x58, 0x53, 0x42, 0x4a] = Object.freeze([0x58, 0x53, 0x42, 0x4a] as const);

/** Bumped on any incompatible change to the format; a reader refuses versions it does not know. */
export const JOURNAL_FORMAT_VERSION = 1;
