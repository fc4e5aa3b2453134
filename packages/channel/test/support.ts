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
  RESERVED_OFFSET,
  SEQUENCE_OFFSET,
} from '@xsb/channel';

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
