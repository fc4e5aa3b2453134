// The host's end of @xsb/channel's protocol, written out from its description (packages/channel:
// src/layout.ts, and the comment atop src/channel.ts) for the tests of the engine's guest end.
// @xsb/channel's own tests use this package and turbo refuses a dependency cycle, so it is not
// imported here; packages/channel/test/engine.test.ts drives the same guest end with makeChannel.
// Every frame the guest's end sends is checked against the protocol, so a test through this end
// also tests what the engine answers.
import type { Machine } from '@xsb/xs-wasm';
import { concat, frame } from '../../../test-support/frames.js';
import { textMessage, textOfReply } from './wire.js';

export { type FrameFields, frame, textPattern as textOfSize } from '../../../test-support/frames.js';

/** Bytes of the engine's scratch region: the largest frame, header included. */
export const FRAME_SIZE = 65_536;
/** u32 LENGTH of the payload, u8 KIND, u8 FLAGS, u16 reserved (0), u32 SEQUENCE; little-endian. */
export const HEADER_SIZE = 12;
export const MAX_PAYLOAD = FRAME_SIZE - HEADER_SIZE;
export const MESSAGE = 1;
export const ACK = 2;
export const REPLY = 3;
export const PULL = 4;
/** Set on every fragment of a message or reply but the last, which are all full. */
export const CONTINUES = 1;

const KIND_NAMES: Record<number, string> = { [MESSAGE]: 'MESSAGE', [ACK]: 'ACK', [REPLY]: 'REPLY', [PULL]: 'PULL' };
const nameOf = (kind: number): string => KIND_NAMES[kind] ?? `KIND ${kind}`;

export interface Frame {
  kind: number;
  flags: number;
  sequence: number;
  payload: Uint8Array;
}

/** Reads a frame of the guest's end, throwing unless it keeps every rule of the protocol. */
export function readFrame(bytes: Uint8Array): Frame {
  const fail = (why: string): never => {
    throw new Error(`the guest's end sent a bad frame (${bytes.length} bytes): ${why}`);
  };
  if (bytes.length < HEADER_SIZE || bytes.length > FRAME_SIZE) fail('its size is outside the header size and FRAME_SIZE');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  const [kind, flags] = [bytes[4]!, bytes[5]!];
  const sequence = view.getUint32(8, true);
  if (length !== bytes.length - HEADER_SIZE) fail(`LENGTH is ${length}`);
  if (!KIND_NAMES[kind]) fail(`KIND is ${kind}`);
  if (flags & ~CONTINUES) fail(`FLAGS are 0x${flags.toString(16)}`);
  if (view.getUint16(6, true) !== 0) fail('the reserved bytes are not 0');
  if ((kind === ACK || kind === PULL) && (length !== 0 || flags !== 0)) fail(`${nameOf(kind)} carries a payload or flags`);
  if (flags & CONTINUES && length !== MAX_PAYLOAD) fail(`a fragment of ${length} bytes has CONTINUES`);
  return { kind, flags, sequence, payload: bytes.subarray(HEADER_SIZE) };
}

/** Reads a frame of the guest's end that must be `kind` number `sequence`. */
export function expectFrame(bytes: Uint8Array, kind: number, sequence: number): Frame {
  const got = readFrame(bytes);
  if (got.kind !== kind || got.sequence !== sequence) {
    throw new Error(`the guest's end sent ${nameOf(got.kind)} ${got.sequence} where ${nameOf(kind)} ${sequence} was due`);
  }
  return got;
}

/** Fragment `sequence` of `bytes` as a frame of `kind`, with CONTINUES unless it is the last. */
function fragment(kind: number, bytes: Uint8Array, sequence: number): Uint8Array {
  const start = sequence * MAX_PAYLOAD;
  const end = Math.min(start + MAX_PAYLOAD, bytes.length);
  return frame({ kind, flags: end < bytes.length ? CONTINUES : 0, sequence, payload: bytes.subarray(start, end) });
}

export interface HostEnd {
  /** Sends a whole message to the guest's receiver; returns its whole reply. Re-entrant. */
  request(message: Uint8Array): Uint8Array;
  /** request() of text, in the tests' envelope (wire.ts): APPLY with the text out, OK with text back. */
  ask(text: string): string;
  /** The machine's onMessage: answers the guest's end's frames. */
  receive(frame: Uint8Array): Uint8Array;
  /** Frames handed to deliver(), and frames the guest's end sent to onMessage, since connectHost. */
  readonly delivered: number;
  readonly received: number;
}

/** The host's end for `m`, made its onMessage; `onMessage` answers the guest's whole messages. */
export function connectHost(m: Machine, onMessage: (message: Uint8Array) => Uint8Array = reject): HostEnd {
  let delivered = 0;
  let received = 0;
  // the innermost exchange the guest runs with us (see "Nesting" in channel.ts): at most one
  let collecting: Uint8Array[] | undefined;
  let replying: { reply: Uint8Array; next: number } | undefined;

  const deliver = (bytes: Uint8Array): Uint8Array => {
    delivered++;
    return m.deliver(bytes);
  };

  const request = (message: Uint8Array): Uint8Array => {
    const last = Math.max(1, Math.ceil(message.length / MAX_PAYLOAD)) - 1;
    for (let sequence = 0; sequence < last; sequence++) expectFrame(deliver(fragment(MESSAGE, message, sequence)), ACK, sequence);
    let answer = expectFrame(deliver(fragment(MESSAGE, message, last)), REPLY, 0);
    const parts = [answer.payload];
    while (answer.flags & CONTINUES) {
      answer = expectFrame(deliver(frame({ kind: PULL, sequence: parts.length })), REPLY, parts.length);
      parts.push(answer.payload);
    }
    return concat(...parts);
  };

  const replyFrame = (reply: Uint8Array, sequence: number): Uint8Array => {
    replying = (sequence + 1) * MAX_PAYLOAD < reply.length ? { reply, next: sequence + 1 } : undefined;
    return fragment(REPLY, reply, sequence);
  };

  const receive = (bytes: Uint8Array): Uint8Array => {
    received++;
    const got = readFrame(bytes);
    if (got.kind === MESSAGE) {
      replying = undefined;
      if (got.sequence === 0) collecting = [];
      else if (collecting?.length !== got.sequence) throw new Error(`MESSAGE fragment ${got.sequence} came out of order`);
      collecting!.push(got.payload.slice());
      if (got.flags & CONTINUES) return frame({ kind: ACK, sequence: got.sequence });
      const message = concat(...collecting!);
      collecting = undefined;
      return replyFrame(onMessage(message), 0);
    }
    if (got.kind === PULL && replying?.next === got.sequence) return replyFrame(replying.reply, got.sequence);
    throw new Error(`the guest's end sent ${nameOf(got.kind)} ${got.sequence} out of turn`);
  };

  m.onMessage = receive;
  return {
    request,
    ask: (text) => textOfReply(request(textMessage(text))),
    receive,
    get delivered() {
      return delivered;
    },
    get received() {
      return received;
    },
  };
}

function reject(): never {
  throw new Error('the host takes no messages in this test');
}
