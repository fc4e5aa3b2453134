// Layout of one frame in the scratch region. Multi-byte fields are little-endian, as wasm memory is.
// A message longer than MAX_PAYLOAD is sent as several frames, each but the last with FLAG_CONTINUES.

/** Bytes in the scratch region: one frame, header included, must fit in it. */
export const FRAME_SIZE = 65536;

/** u32: bytes of payload in this frame, so a reader never trusts bytes past what was written. */
export const LENGTH_OFFSET = 0;
/** u8: what the payload is (a call, a reply, an error...), read before decoding the payload. */
export const KIND_OFFSET = 4;
/** u8: bit set of FLAG_* values; one byte leaves room for seven more flags. */
export const FLAGS_OFFSET = 5;
// Bytes 6 and 7 are reserved (zero), so SEQUENCE starts on a 4-byte boundary.
/** u32: numbers frames so the parts of one message are joined in order and a lost part is noticed. */
export const SEQUENCE_OFFSET = 8;

/** Set on every frame of a message but the last; a reader keeps collecting until it is clear. */
export const FLAG_CONTINUES = 1;

/** Bytes before the payload; a multiple of 4, so the payload starts aligned. */
export const HEADER_SIZE = 12;
/** The most payload one frame carries: the scratch region less the header. */
export const MAX_PAYLOAD = FRAME_SIZE - HEADER_SIZE;

export interface HeaderField {
  readonly name: 'length' | 'kind' | 'flags' | 'sequence';
  readonly offset: number;
  /** Width in bytes: 4 for a u32, 1 for a u8. */
  readonly size: 1 | 4;
}

/** The header's fields in offset order, so code (and the layout's own test) can walk them. */
export const HEADER_FIELDS: readonly HeaderField[] = Object.freeze([
  Object.freeze({ name: 'length', offset: LENGTH_OFFSET, size: 4 }),
  Object.freeze({ name: 'kind', offset: KIND_OFFSET, size: 1 }),
  Object.freeze({ name: 'flags', offset: FLAGS_OFFSET, size: 1 }),
  Object.freeze({ name: 'sequence', offset: SEQUENCE_OFFSET, size: 4 }),
] as const);
