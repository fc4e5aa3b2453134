// Layout of one frame. Multi-byte fields are little-endian, as wasm memory is.
// A message longer than one frame's payload is sent as several frames, each but the last with
// FLAG_CONTINUES; the protocol that moves them is described in channel.ts.

/** Bytes in the engine's scratch region: the default frame size, header included. */
export const FRAME_SIZE = 65536;

/** u32: bytes of payload in this frame; must equal the frame's length less HEADER_SIZE. */
export const LENGTH_OFFSET = 0;
/** u8: one of the KIND_* values, read before anything else of the frame is trusted. */
export const KIND_OFFSET = 4;
/** u8: bit set of FLAG_* values; one byte leaves room for seven more flags. */
export const FLAGS_OFFSET = 5;
/** Bytes 6 and 7 are reserved and must be zero (so they can mean something later), and so SEQUENCE starts on a 4-byte boundary. */
export const RESERVED_OFFSET = 6;
export const RESERVED_SIZE = 2;
/** u32: numbers the fragments of one message (or reply) from 0, so they join in order and a lost one is noticed. */
export const SEQUENCE_OFFSET = 8;

/** Set on every fragment of a message or reply but the last; a reader keeps collecting until it is clear. */
export const FLAG_CONTINUES = 1;
/** Every flag this version knows; a frame with any other bit set is refused. */
export const KNOWN_FLAGS = FLAG_CONTINUES;

/** Requester → replier: a fragment of a request. Answered by ACK, or by REPLY once the last fragment is in. */
export const KIND_MESSAGE = 1;
/** Replier → requester: the fragment SEQUENCE of the request arrived; send the next. No payload. */
export const KIND_ACK = 2;
/** Replier → requester: fragment SEQUENCE of the reply. */
export const KIND_REPLY = 3;
/** Requester → replier: send reply fragment SEQUENCE. No payload. */
export const KIND_PULL = 4;
// 0 is no kind, so an all-zero buffer is never taken for a frame.

/** Kind numbers by name, for messages and for walking them in tests. */
export const FRAME_KINDS: Readonly<Record<'MESSAGE' | 'ACK' | 'REPLY' | 'PULL', number>> = Object.freeze({
  MESSAGE: KIND_MESSAGE,
  ACK: KIND_ACK,
  REPLY: KIND_REPLY,
  PULL: KIND_PULL,
});

/** Bytes before the payload; a multiple of 4, so the payload starts aligned. */
export const HEADER_SIZE = 12;
/** The most payload one frame of FRAME_SIZE carries. */
export const MAX_PAYLOAD = FRAME_SIZE - HEADER_SIZE;
/** The smallest frameSize a channel accepts: a header and one byte of payload, so every fragment moves data. */
export const MIN_FRAME_SIZE = HEADER_SIZE + 1;
/** The largest frameSize: LENGTH is a u32. */
export const MAX_FRAME_SIZE = HEADER_SIZE + 0xffff_ffff;
/** Largest whole message (either way) unless the channel's options say otherwise: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

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
