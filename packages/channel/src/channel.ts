// Whole messages over a transport that carries one frame at a time and answers each with one frame.
// This is the host's end (Node.js, browsers). The guest's end speaks the same protocol in C, in
// @xsb/xs-wasm's engine (c/xsb.c), where a message costs the guest no interpreted code.
//
// The protocol. Each side is a requester (its request()) and a replier (its receive(), which the
// other side's transport() reaches). An exchange is one request and its reply:
//
//   requester                                replier
//   MESSAGE 0 (CONTINUES)            ──→
//                                    ←──     ACK 0
//   …                                        …
//   MESSAGE n-1 (last, no flag)      ──→     onMessage(whole message) runs, returns the reply
//                                    ←──     REPLY 0 (CONTINUES if more follow)
//   PULL 1                           ──→
//                                    ←──     REPLY 1 (CONTINUES if more follow)
//   … until a REPLY without CONTINUES.
//
// - SEQUENCE numbers the fragments of one message (MESSAGE, ACK echoing it) and of one reply
//   (REPLY, PULL asking for it), each from 0. A message or reply of 0 bytes is one fragment.
// - Every fragment but the last is full (frameSize - HEADER_SIZE bytes), so both sides must use
//   the same frameSize; a short fragment with CONTINUES is refused, never a silent truncation, and
//   the number of frames per message is bounded by maxMessageSize (no endless stream of empties).
// - ACK and PULL carry no payload and no flags; reserved bytes are zero; unknown kinds and flags
//   are refused. Any frame that breaks a rule is a FrameError: from receive() when it comes in,
//   from request() when transport() answers with it.
//
// Nesting. While our onMessage runs, the other side waits in transport() for the answer to its
// last MESSAGE. Our onMessage may call our request(); the other side's onMessage may call back;
// and so on to any depth, each exchange finishing before the one around it goes on. So receive()
// needs one slot, for the innermost exchange the other side runs with us: an exchange is
// collecting fragments or handing out reply fragments only while the other side sits in its
// request() loop, which runs no handler code, so no other exchange can start meanwhile; an
// exchange whose onMessage runs keeps its message and reply in receive()'s own frame on the call
// stack. The slot is emptied when onMessage is entered and set afresh when it returns (emptied if
// it throws), so nested exchanges cannot leak into the outer one, nor it into them. A frame that
// does not fit the slot is a FrameError, and empties it.
//
// Failures. If onMessage throws, the exception leaves receive() (the transport maps it) and the
// exchange is over. A requester whose transport() threw gives its exchange up; MESSAGE 0 always
// starts a new exchange, dropping what an abandoned one left in the slot. Nothing partial is
// ever handed to onMessage or returned from request().

import { ChannelError, ChannelOptionsError, FrameError, MessageTooLargeError } from './errors.js';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  FLAG_CONTINUES,
  FLAGS_OFFSET,
  FRAME_SIZE,
  HEADER_SIZE,
  KIND_ACK,
  KIND_MESSAGE,
  KIND_OFFSET,
  KIND_PULL,
  KIND_REPLY,
  KNOWN_FLAGS,
  LENGTH_OFFSET,
  MAX_FRAME_SIZE,
  MIN_FRAME_SIZE,
  RESERVED_OFFSET,
  SEQUENCE_OFFSET,
} from './layout.js';

/**
 * Memory both ends read and write, as the engine's scratch region is: frames are written there and
 * read there, with no frame of their own in between (see ChannelOptions.region).
 */
export interface Region {
  /** The region's bytes from its start, at least frameSize of them; asked again for each frame, since wasm memory can move when it grows. */
  bytes(): Uint8Array;
  /** Has the other end answer the frame of `length` bytes at the region's start; returns the length of its answer, written there. */
  exchange(length: number): number;
}

export interface ChannelOptions {
  /** Carries one frame to the other side and returns the frame it answers with. Give this or `region`. */
  readonly transport?: (frame: Uint8Array) => Uint8Array;
  /**
   * Instead of a transport: frames go through this region in place, and the other end's frames
   * come in through receiveInRegion(). For the engine's scratch, where a crossing should cost no
   * allocation but the message's own.
   */
  readonly region?: Region;
  /**
   * Handles one whole message from the other side and returns the whole reply. The message is
   * the handler's own copy; the reply is read until the other side has pulled all of it.
   */
  readonly onMessage: (message: Uint8Array) => Uint8Array;
  /** Largest whole message (either way) in bytes; default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Bytes per frame, header included; default FRAME_SIZE; must exceed HEADER_SIZE. Both sides must agree. */
  readonly frameSize?: number;
}

export interface Channel {
  /**
   * Sends a whole message; returns the other side's whole reply, in a buffer of its own. Re-entrant.
   * With a region, the message must not be a view of the region's memory: its frames are written
   * there. (Not checked: reading a small Uint8Array's buffer costs V8 a copy, on every call.)
   */
  request(message: Uint8Array): Uint8Array;
  /** The transport's far end: answers one frame from the other side. */
  receive(frame: Uint8Array): Uint8Array;
  /** The region's far end: answers the frame of `length` bytes at the region's start; returns the length of the answer written there. */
  receiveInRegion(length: number): number;
}

/** Quotes a value for an error message without calling into it. */
const q = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  if (ArrayBuffer.isView(value)) return `a ${Object.prototype.toString.call(value).slice(8, -1)} of ${value.byteLength} bytes`;
  return Array.isArray(value) ? 'an array' : 'an object';
};

/** A Uint8Array from any realm (a Buffer is one); checked before its bytes are read. */
const isBytes = (value: unknown): value is Uint8Array =>
  value instanceof Uint8Array || (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]');

const KIND_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [KIND_MESSAGE]: 'MESSAGE',
  [KIND_ACK]: 'ACK',
  [KIND_REPLY]: 'REPLY',
  [KIND_PULL]: 'PULL',
});

interface Header {
  readonly kind: number;
  readonly flags: number;
  readonly sequence: number;
  /** Bytes of payload, after the header. */
  readonly length: number;
}

/** Fragments of one message or reply, collected in order. */
interface Fragments {
  readonly chunks: Uint8Array[];
  size: number;
  /** SEQUENCE of the fragment expected next. */
  next: number;
}

/** Makes a frame carrying bytes [start, end) of `bytes`: a buffer of its own, or its length in the region. */
type FrameWriter<T> = (kind: number, flags: number, sequence: number, bytes: Uint8Array, start: number, end: number) => T;

/** What receive() holds for the innermost exchange (see "Nesting" above). */
type Slot =
  | { readonly phase: 'idle' }
  | { readonly phase: 'collecting'; readonly fragments: Fragments }
  | { readonly phase: 'replying'; readonly reply: Uint8Array; readonly next: number };

const IDLE: Slot = Object.freeze({ phase: 'idle' });

/** Writes all HEADER_SIZE bytes of a header, the reserved ones included. */
const writeHeader = (frame: Uint8Array, length: number, kind: number, flags: number, sequence: number): void => {
  frame[LENGTH_OFFSET] = length;
  frame[LENGTH_OFFSET + 1] = length >>> 8;
  frame[LENGTH_OFFSET + 2] = length >>> 16;
  frame[LENGTH_OFFSET + 3] = length >>> 24;
  frame[KIND_OFFSET] = kind;
  frame[FLAGS_OFFSET] = flags;
  frame[RESERVED_OFFSET] = 0;
  frame[RESERVED_OFFSET + 1] = 0;
  frame[SEQUENCE_OFFSET] = sequence;
  frame[SEQUENCE_OFFSET + 1] = sequence >>> 8;
  frame[SEQUENCE_OFFSET + 2] = sequence >>> 16;
  frame[SEQUENCE_OFFSET + 3] = sequence >>> 24;
};

/** The little-endian u32 at `offset`. */
const u32 = (frame: Uint8Array, offset: number): number =>
  (frame[offset]! | (frame[offset + 1]! << 8) | (frame[offset + 2]! << 16) | (frame[offset + 3]! << 24)) >>> 0;

const NO_BYTES = new Uint8Array(0);

/** Writes a frame carrying bytes [start, end) of `bytes` into `into` (at least that long); returns its length. */
const writeFrame = (
  into: Uint8Array,
  kind: number,
  flags: number,
  sequence: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): number => {
  const length = HEADER_SIZE + end - start;
  // a short payload is copied by hand: a subarray for it would cost more than the copy
  if (end - start <= 64) for (let i = start, at = HEADER_SIZE; i < end; i++, at++) into[at] = bytes[i]!;
  else into.set(bytes.subarray(start, end), HEADER_SIZE);
  writeHeader(into, length - HEADER_SIZE, kind, flags, sequence);
  return length;
};

/** A frame carrying bytes [start, end) of `bytes`, in a buffer of its own. */
const fragmentFrame = (
  kind: number,
  flags: number,
  sequence: number,
  bytes: Uint8Array,
  start: number,
  end: number,
): Uint8Array => {
  const frame = new Uint8Array(HEADER_SIZE + end - start);
  writeFrame(frame, kind, flags, sequence, bytes, start, end);
  return frame;
};

/** The payload of a frame, copied: the transport may reuse the frame's memory once we return. */
const payloadOf = (frame: Uint8Array): Uint8Array => frame.slice(HEADER_SIZE);

const join = (fragments: Fragments): Uint8Array => {
  const { chunks, size } = fragments;
  if (chunks.length === 1) return chunks[0]!;
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole;
};

/** Makes one end of a channel; the other end is another channel whose transport reaches this one's receive(). */
export function makeChannel(options: ChannelOptions): Channel {
  if (options === null || typeof options !== 'object') {
    throw new ChannelOptionsError([
      `options must be an object { transport or region, onMessage, maxMessageSize?, frameSize? }, got ${q(options)}`,
    ]);
  }
  const { transport, region, onMessage, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE, frameSize = FRAME_SIZE } = options;
  const problems: string[] = [];
  if (region === undefined && typeof transport !== 'function') {
    problems.push(
      `transport must be a function (frame: Uint8Array) => Uint8Array, got ${q(transport)}; or give a region { bytes(), exchange(length) } instead`,
    );
  }
  if (region !== undefined && transport !== undefined) {
    problems.push('give a transport or a region, not both');
  }
  if (
    region !== undefined &&
    (region === null || typeof region !== 'object' || typeof region.bytes !== 'function' || typeof region.exchange !== 'function')
  ) {
    problems.push(`region must be an object { bytes(), exchange(length) }, got ${q(region)}`);
  }
  if (typeof onMessage !== 'function') {
    problems.push(`onMessage must be a function (message: Uint8Array) => Uint8Array, got ${q(onMessage)}`);
  }
  const frameSizeOk = Number.isSafeInteger(frameSize) && frameSize >= MIN_FRAME_SIZE && frameSize <= MAX_FRAME_SIZE;
  if (!frameSizeOk) {
    problems.push(
      `frameSize must be an integer from ${MIN_FRAME_SIZE} (the ${HEADER_SIZE}-byte header and one byte of payload) to ${MAX_FRAME_SIZE}, got ${q(frameSize)}; the xs-wasm scratch region takes FRAME_SIZE (${FRAME_SIZE})`,
    );
  }
  if (!Number.isSafeInteger(maxMessageSize) || maxMessageSize < 0) {
    problems.push(`maxMessageSize must be an integer ≥ 0 (bytes), got ${q(maxMessageSize)}`);
  } else if (frameSizeOk && Math.ceil(maxMessageSize / (frameSize - HEADER_SIZE)) > 2 ** 32) {
    problems.push(
      `maxMessageSize ${maxMessageSize} needs more than 2^32 fragments of ${frameSize - HEADER_SIZE} bytes, past what SEQUENCE (a u32) counts; use a larger frameSize or a smaller maxMessageSize`,
    );
  }
  if (problems.length > 0) throw new ChannelOptionsError(problems);

  const maxPayload = frameSize - HEADER_SIZE;

  /** Reads and checks the header of a frame that came from the other side. */
  const parse = (frame: unknown, where: string): Header => {
    if (!isBytes(frame)) throw new FrameError(`${where}: a frame must be a Uint8Array, got ${q(frame)}`);
    if (frame.length < HEADER_SIZE) {
      throw new FrameError(`${where}: a frame of ${frame.length} bytes is shorter than the ${HEADER_SIZE}-byte header`);
    }
    if (frame.length > frameSize) {
      throw new FrameError(
        `${where}: a frame of ${frame.length} bytes is longer than frameSize (${frameSize}); both channels must use the same frameSize`,
      );
    }
    const length = u32(frame, LENGTH_OFFSET);
    if (length !== frame.length - HEADER_SIZE) {
      throw new FrameError(
        `${where}: LENGTH says ${length} bytes of payload but the frame carries ${frame.length - HEADER_SIZE}; the frame was cut short or padded on the way`,
      );
    }
    const kind = frame[KIND_OFFSET]!;
    const name = KIND_NAMES[kind];
    if (name === undefined) {
      throw new FrameError(
        `${where}: unknown KIND ${kind}; expected MESSAGE (${KIND_MESSAGE}), ACK (${KIND_ACK}), REPLY (${KIND_REPLY}) or PULL (${KIND_PULL}); is the other end a channel?`,
      );
    }
    const flags = frame[FLAGS_OFFSET]!;
    if ((flags & ~KNOWN_FLAGS) !== 0) {
      throw new FrameError(
        `${where}: ${name} frame has unknown FLAGS 0x${flags.toString(16)}; only FLAG_CONTINUES (0x1) is defined`,
      );
    }
    if (frame[RESERVED_OFFSET] !== 0 || frame[RESERVED_OFFSET + 1] !== 0) {
      throw new FrameError(`${where}: ${name} frame has nonzero reserved bytes (6 and 7); they must be 0`);
    }
    const sequence = u32(frame, SEQUENCE_OFFSET);
    if ((kind === KIND_ACK || kind === KIND_PULL) && (length !== 0 || flags !== 0)) {
      throw new FrameError(
        `${where}: ${name} ${sequence} carries ${length} bytes and FLAGS 0x${flags.toString(16)}; ${name} frames carry neither`,
      );
    }
    return { kind, flags, sequence, length };
  };

  /** Adds a MESSAGE or REPLY fragment whose kind and SEQUENCE were checked; returns whether more follow. */
  const add = (fragments: Fragments, frame: Uint8Array, header: Header, what: string): boolean => {
    const continues = (header.flags & FLAG_CONTINUES) !== 0;
    if (continues && header.length !== maxPayload) {
      throw new FrameError(
        `${what} fragment ${header.sequence} carries ${header.length} bytes with FLAG_CONTINUES, but every fragment but the last must be full (${maxPayload} bytes with frameSize ${frameSize}); both channels must use the same frameSize`,
      );
    }
    fragments.size += header.length;
    if (fragments.size > maxMessageSize) throw new MessageTooLargeError(fragments.size, maxMessageSize, what, true);
    fragments.chunks.push(payloadOf(frame));
    fragments.next = header.sequence + 1;
    return continues;
  };

  /** Throws unless the answer from transport() is the kind and SEQUENCE the protocol expects next. */
  const expect = (header: Header, kind: number, sequence: number, answering: string): void => {
    if (header.kind !== kind || header.sequence !== sequence) {
      throw new FrameError(
        `transport() answered ${answering} with ${KIND_NAMES[header.kind]} ${header.sequence} where ${KIND_NAMES[kind]} ${sequence} was expected; frames must come in order, from a channel at the other end`,
      );
    }
  };

  let slot: Slot = IDLE;

  /** The REPLY frame carrying fragment `sequence` of `reply`, as `write` makes it; leaves the slot ready for the next PULL. */
  const replyFrame = <T>(reply: Uint8Array, sequence: number, write: FrameWriter<T>): T => {
    const start = sequence * maxPayload;
    const end = Math.min(start + maxPayload, reply.length);
    const more = end < reply.length;
    slot = more ? { phase: 'replying', reply, next: sequence + 1 } : IDLE;
    return write(KIND_REPLY, more ? FLAG_CONTINUES : 0, sequence, reply, start, end);
  };

  /** Answers one frame; `write` makes the answer (a frame of its own, or one written in the region). */
  const answer = <T>(frame: Uint8Array, write: FrameWriter<T>): T => {
    const header = parse(frame, 'receive()');
    const { kind, sequence } = header;
    if (kind === KIND_MESSAGE) {
      let fragments: Fragments;
      if (sequence === 0) {
        // A new exchange; whatever an abandoned one left in the slot is dropped.
        fragments = { chunks: [], size: 0, next: 0 };
        slot = { phase: 'collecting', fragments };
      } else if (slot.phase !== 'collecting') {
        throw new FrameError(
          `receive(): MESSAGE fragment ${sequence} arrived but no message is being collected (${slot.phase}); a message starts with fragment 0`,
        );
      } else if (sequence !== slot.fragments.next) {
        throw new FrameError(
          `receive(): MESSAGE fragment ${sequence} arrived where fragment ${slot.fragments.next} was expected; fragments must come in order`,
        );
      } else {
        fragments = slot.fragments;
      }
      if (add(fragments, frame, header, 'an incoming message')) return write(KIND_ACK, 0, sequence, NO_BYTES, 0, 0);
      const message = join(fragments);
      // The slot now belongs to exchanges nested inside onMessage; this one lives on the stack.
      slot = IDLE;
      const reply = onMessage(message);
      if (!isBytes(reply)) throw new ChannelError(`onMessage must return a Uint8Array (the reply), got ${q(reply)}`);
      if (reply.length > maxMessageSize) {
        throw new MessageTooLargeError(reply.length, maxMessageSize, 'the reply onMessage returned');
      }
      return replyFrame(reply, 0, write);
    }
    if (kind === KIND_PULL) {
      if (slot.phase !== 'replying') {
        throw new FrameError(
          `receive(): PULL ${sequence} arrived with no reply pending (${slot.phase}); a PULL only follows a REPLY with FLAG_CONTINUES`,
        );
      }
      if (sequence !== slot.next) {
        throw new FrameError(
          `receive(): PULL ${sequence} arrived where PULL ${slot.next} was expected; reply fragments are pulled in order`,
        );
      }
      return replyFrame(slot.reply, sequence, write);
    }
    throw new FrameError(
      `receive(): ${KIND_NAMES[kind]} ${sequence} arrived, but ${KIND_NAMES[kind]} frames only answer frames, coming back from transport(); are the ends wired the wrong way round?`,
    );
  };

  const receive = (frame: Uint8Array): Uint8Array => {
    try {
      return answer(frame, fragmentFrame);
    } catch (error) {
      // Whatever went wrong ends the exchange this frame belonged to.
      slot = IDLE;
      throw error;
    }
  };

  /** The region's bytes, checked: a frame must fit. */
  const regionBytes = (region: Region): Uint8Array => {
    const bytes = region.bytes();
    if (!isBytes(bytes) || bytes.length < frameSize) {
      throw new ChannelError(`region.bytes() must give at least frameSize (${frameSize}) bytes, got ${q(bytes)}`);
    }
    return bytes;
  };
  /** The frame of `length` bytes at the region's start, the length checked first. */
  const regionFrame = (region: Region, length: number, where: string): Uint8Array => {
    if (!(Number.isInteger(length) && length >= 0)) {
      throw new FrameError(`${where}: a frame length of ${q(length)} is not a whole number of bytes`);
    }
    if (length > frameSize) {
      throw new FrameError(
        `${where}: a frame of ${length} bytes is longer than frameSize (${frameSize}); both channels must use the same frameSize`,
      );
    }
    return regionBytes(region).subarray(0, length);
  };

  /** Sends one frame; returns the answer, which in a region is a view valid until the next frame. */
  const send = region
    ? (kind: number, flags: number, sequence: number, bytes: Uint8Array, start: number, end: number): Uint8Array => {
        const length = region.exchange(writeFrame(regionBytes(region), kind, flags, sequence, bytes, start, end));
        return regionFrame(region, length, 'transport()');
      }
    : (kind: number, flags: number, sequence: number, bytes: Uint8Array, start: number, end: number): Uint8Array =>
        transport!(fragmentFrame(kind, flags, sequence, bytes, start, end));

  const request = (message: Uint8Array): Uint8Array => {
    if (!isBytes(message)) throw new ChannelError(`request() takes a Uint8Array, got ${q(message)}`);
    if (message.length > maxMessageSize) throw new MessageTooLargeError(message.length, maxMessageSize);
    const count = Math.max(1, Math.ceil(message.length / maxPayload));
    for (let sequence = 0; sequence < count - 1; sequence++) {
      const start = sequence * maxPayload;
      const answer = send(KIND_MESSAGE, FLAG_CONTINUES, sequence, message, start, start + maxPayload);
      expect(parse(answer, 'transport()'), KIND_ACK, sequence, `MESSAGE fragment ${sequence}`);
    }
    const last = count - 1;
    let frame = send(KIND_MESSAGE, 0, last, message, last * maxPayload, message.length);
    let header = parse(frame, 'transport()');
    expect(header, KIND_REPLY, 0, `the last MESSAGE fragment (${last})`);
    const reply: Fragments = { chunks: [], size: 0, next: 0 };
    while (add(reply, frame, header, 'a reply')) {
      frame = send(KIND_PULL, 0, reply.next, NO_BYTES, 0, 0);
      header = parse(frame, 'transport()');
      expect(header, KIND_REPLY, reply.next, `PULL ${reply.next}`);
    }
    return join(reply);
  };

  const receiveInRegion = (length: number): number => {
    if (!region) throw new ChannelError('receiveInRegion() is for a channel made with a region; this one has a transport');
    try {
      const frame = regionFrame(region, length, 'receiveInRegion()');
      return answer(frame, (kind, flags, sequence, payload, start, end) =>
        writeFrame(regionBytes(region), kind, flags, sequence, payload, start, end),
      );
    } catch (error) {
      slot = IDLE;
      throw error;
    }
  };

  return Object.freeze({ request, receive, receiveInRegion });
}
