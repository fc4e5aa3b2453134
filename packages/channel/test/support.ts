// Helpers shared by the channel's tests: patterned bytes, hand-made frames, and two channels wired
// to each other with every frame counted.
import {
  type Channel,
  type ChannelOptions,
  FLAGS_OFFSET,
  HEADER_SIZE,
  KIND_ACK,
  KIND_MESSAGE,
  KIND_OFFSET,
  KIND_PULL,
  KIND_REPLY,
  LENGTH_OFFSET,
  makeChannel,
  SEQUENCE_OFFSET,
} from '@xsb/channel';
import { decodeCesu8, encodeCesu8 } from '@xsb/xs-wasm';

export { concat, type FrameFields, frame, TEXT_PERIOD, TEXT_PERIOD_BYTES, textPattern } from '../../../test-support/frames.js';

/** A period that is prime, so no frame or fragment size lines up with it and a shifted fragment shows. */
export const PERIOD = 65521;

/** Bytes that differ with position and seed (the first period by the formula, the rest copied). */
export function pattern(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  const first = Math.min(length, PERIOD);
  for (let i = 0; i < first; i++) bytes[i] = (i * 131 + (i >>> 8) + seed) & 0xff;
  for (let filled = first; filled < length; filled *= 2) bytes.copyWithin(filled, 0, Math.min(filled, length - filled));
  return bytes;
}

export const reverse = (bytes: Uint8Array): Uint8Array => bytes.slice().reverse();

/** Where two byte arrays first differ: -1 when equal, the shorter length when one is a prefix. (toEqual is slow on 16 MiB.) */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

export interface Decoded {
  kind: number;
  flags: number;
  sequence: number;
  length: number;
  payload: Uint8Array;
}

export function decode(bytes: Uint8Array): Decoded {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    length: view.getUint32(LENGTH_OFFSET, true),
    kind: bytes[KIND_OFFSET]!,
    flags: bytes[FLAGS_OFFSET]!,
    sequence: view.getUint32(SEQUENCE_OFFSET, true),
    payload: bytes.subarray(HEADER_SIZE),
  };
}

export const KIND_NAME: Record<number, string> = {
  [KIND_MESSAGE]: 'MESSAGE',
  [KIND_ACK]: 'ACK',
  [KIND_REPLY]: 'REPLY',
  [KIND_PULL]: 'PULL',
};

/** Frames one side sent through its transport, by kind, and the largest frame either way. */
export interface Traffic {
  sent: Record<string, number>;
  answered: Record<string, number>;
  largest: number;
}

const freshTraffic = (): Traffic => ({ sent: {}, answered: {}, largest: 0 });

export interface Pair {
  a: Channel;
  b: Channel;
  /** Frames a's transport carried (a → b, and b's answers). */
  fromA: Traffic;
  /** Frames b's transport carried. */
  fromB: Traffic;
  reset(): void;
}

type Handler = (message: Uint8Array, self: Channel) => Uint8Array;

/** Two channels whose transports call each other's receive(), counting every frame. */
export function makePair(
  onA: Handler,
  onB: Handler,
  options: Omit<ChannelOptions, 'transport' | 'onMessage'> = {},
  optionsB = options,
): Pair {
  let fromA = freshTraffic();
  let fromB = freshTraffic();
  const count = (traffic: () => Traffic, far: () => Channel) => (out: Uint8Array) => {
    const t = traffic();
    const sentKind = KIND_NAME[out[KIND_OFFSET]!] ?? `kind ${out[KIND_OFFSET]}`;
    t.sent[sentKind] = (t.sent[sentKind] ?? 0) + 1;
    t.largest = Math.max(t.largest, out.length);
    const back = far().receive(out);
    const backKind = KIND_NAME[back[KIND_OFFSET]!] ?? `kind ${back[KIND_OFFSET]}`;
    t.answered[backKind] = (t.answered[backKind] ?? 0) + 1;
    t.largest = Math.max(t.largest, back.length);
    return back;
  };
  const a: Channel = makeChannel({
    ...options,
    transport: count(
      () => fromA,
      () => b,
    ),
    onMessage: (m) => onA(m, a),
  });
  const b: Channel = makeChannel({
    ...optionsB,
    transport: count(
      () => fromB,
      () => a,
    ),
    onMessage: (m) => onB(m, b),
  });
  return {
    a,
    b,
    get fromA() {
      return fromA;
    },
    get fromB() {
      return fromB;
    },
    reset() {
      fromA = freshTraffic();
      fromB = freshTraffic();
    },
  };
}

// The text envelope of the engine's tests (after @xsb/xs-wasm's test/wire.ts; @xsb/membrane's
// src/protocol.ts specifies the bytes, and channel does not depend on it): a text message is APPLY
// to the receiver's #0 (a local id) with no this and the text as the one argument; a reply is OK
// with the text. Strings are a u32 length and CESU-8; integers are little-endian.

const OP_APPLY = 9;
const REPLY_OK = 64;
const REPLY_ERR = 65;
const TAG_UNDEFINED = 0;
const TAG_STRING = 6;
const TAG_LOCAL = 12;
const TAG_ERROR = 16;

/** Bytes of a text message before its text: APPLY, #0, undefined, 1 argument, a string's tag and length. */
export const TEXT_MESSAGE_OVERHEAD = 1 + 5 + 1 + 4 + 5;
/** Bytes of a text reply before its text: OK, a string's tag and length. */
export const TEXT_REPLY_OVERHEAD = 1 + 5;

const putU32 = (bytes: Uint8Array, at: number, n: number): void => {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(at, n, true);
};

/** The text message carrying `text`. */
export function textMessage(text: string): Uint8Array {
  const body = encodeCesu8(text);
  const bytes = new Uint8Array(TEXT_MESSAGE_OVERHEAD + body.length);
  bytes.set([OP_APPLY, TAG_LOCAL, 0, 0, 0, 0, TAG_UNDEFINED, 1, 0, 0, 0, TAG_STRING]);
  putU32(bytes, 12, body.length);
  bytes.set(body, TEXT_MESSAGE_OVERHEAD);
  return bytes;
}

/** The OK reply carrying `text`. */
export function textReply(text: string): Uint8Array {
  const body = encodeCesu8(text);
  const bytes = new Uint8Array(TEXT_REPLY_OVERHEAD + body.length);
  bytes.set([REPLY_OK, TAG_STRING]);
  putU32(bytes, 2, body.length);
  bytes.set(body, TEXT_REPLY_OVERHEAD);
  return bytes;
}

/** Reads the envelope: the text after `prefix`, which must end exactly at the end of `bytes`. */
function textAfter(bytes: Uint8Array, prefix: readonly number[], what: string): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = prefix.length + 1;
  if (bytes.length < at + 4 || prefix.some((b, i) => bytes[i] !== b) || bytes[prefix.length] !== TAG_STRING) {
    throw new Error(`not ${what}: ${Array.from(bytes.subarray(0, 16)).join(' ')}…`);
  }
  const length = view.getUint32(at, true);
  if (at + 4 + length !== bytes.length) throw new Error(`${what}: a string of ${length} bytes in ${bytes.length}`);
  return decodeCesu8(bytes.subarray(at + 4));
}

/** The text of a text message. */
export const textOfMessage = (bytes: Uint8Array): string =>
  textAfter(bytes, [OP_APPLY, TAG_LOCAL, 0, 0, 0, 0, TAG_UNDEFINED, 1, 0, 0, 0], 'a text message');

/** The text of an OK reply; an ERR reply throws, naming the error it carries. */
export function textOfReply(bytes: Uint8Array): string {
  if (bytes[0] === REPLY_ERR) {
    const error = errorOfReply(bytes);
    throw new Error(`the guest answered ERR ${error.name}: ${error.message}`);
  }
  return textAfter(bytes, [REPLY_OK], 'a text reply');
}

/** The name and message of an ERR reply carrying an error (no cause). */
export function errorOfReply(bytes: Uint8Array): { name: string; message: string; stack: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== REPLY_ERR || bytes[1] !== TAG_ERROR)
    throw new Error(`not an ERR reply carrying an error: ${bytes[0]} ${bytes[1]}`);
  let at = 2;
  const string = (): string => {
    const length = view.getUint32(at, true);
    at += 4 + length;
    return decodeCesu8(bytes.subarray(at - length, at));
  };
  const [name, message, stack] = [string(), string(), string()];
  if (bytes[at] !== 0 || at + 1 !== bytes.length) throw new Error('an ERR reply with a cause, or bytes left over');
  return { name, message, stack };
}
