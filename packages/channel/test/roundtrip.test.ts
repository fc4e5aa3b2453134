import { FRAME_SIZE, HEADER_SIZE, MAX_PAYLOAD, makeChannel } from '@xsb/channel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, firstDifference, makePair, type Pair, pattern, reverse } from './support.js';

const MiB = 1024 * 1024;

/** Sizes at the edges of one frame, and a large one; with the fragments each takes, written out rather than computed. */
const SIZES: readonly (readonly [size: number, fragments: number])[] = [
  [0, 1],
  [1, 1],
  [MAX_PAYLOAD, 1],
  [MAX_PAYLOAD + 1, 2],
  [65_535, 2],
  [65_536, 2],
  [16 * MiB, 257], // 16,777,216 = 256 × 65,524 + 3,072
];
const SMALL = SIZES.filter(([size]) => size < MiB);
const BIG = SIZES.find(([size]) => size === 16 * MiB)!;

/**
 * Two channels; each answers a message with its bytes reversed followed by `pad` patterned bytes,
 * so a reply's size is chosen per exchange independently of the message's.
 */
function reversingPair(): Pair & { setPad(n: number): void } {
  let pad: Uint8Array = new Uint8Array(0);
  const answer = (m: Uint8Array) => concat(reverse(m), pad);
  return Object.assign(makePair(answer, answer), {
    setPad(n: number) {
      pad = pattern(n, 99);
    },
  });
}

function roundTrip(pair: ReturnType<typeof reversingPair>, from: 'a' | 'b', size: number, replySize: number) {
  pair.reset();
  pair.setPad(replySize - size);
  const message = pattern(size, size & 0xff);
  const reply = pair[from].request(message);
  expect(reply.length, `reply length for ${size} → ${replySize}`).toBe(replySize);
  // the message came through whole: its reversal heads the reply; the pad came back whole too
  expect(firstDifference(reply.subarray(0, size), reverse(message)), `message bytes, ${size} → ${replySize}`).toBe(-1);
  expect(firstDifference(reply.subarray(size), pattern(replySize - size, 99)), `reply bytes, ${size} → ${replySize}`).toBe(-1);
  return from === 'a' ? pair.fromA : pair.fromB;
}

describe('whole messages between two channels', () => {
  it('round-trips every edge size both ways, with replies of every size at or above it, splitting as the table says', () => {
    const pair = reversingPair();
    for (const from of ['a', 'b'] as const) {
      for (const [size, fragments] of SMALL) {
        for (const [replySize, replyFragments] of SMALL) {
          if (replySize < size) continue;
          const traffic = roundTrip(pair, from, size, replySize);
          const label = `${from}: ${size} → ${replySize}`;
          expect(traffic.sent, label).toEqual(
            replyFragments > 1 ? { MESSAGE: fragments, PULL: replyFragments - 1 } : { MESSAGE: fragments },
          );
          expect(traffic.answered, label).toEqual(
            fragments > 1 ? { ACK: fragments - 1, REPLY: replyFragments } : { REPLY: replyFragments },
          );
          expect(traffic.largest, label).toBeLessThanOrEqual(FRAME_SIZE);
        }
      }
    }
  });

  it('round-trips replies smaller than the message, down to 0 bytes', () => {
    const pair = makePair(
      (m) => m.subarray(0, m.length >> 1),
      () => new Uint8Array(0),
    );
    for (const [size] of SMALL) {
      pair.reset();
      expect(firstDifference(pair.b.request(pattern(size, 3)), pattern(size >> 1, 3)), `${size}`).toBe(-1);
      expect(pair.a.request(pattern(size, 3)).length).toBe(0);
    }
  });

  it('round-trips 16 MiB both ways, as a message and as a reply, in 257 frames each', () => {
    const [size, fragments] = BIG;
    const pair = reversingPair();
    for (const from of ['a', 'b'] as const) {
      let traffic = roundTrip(pair, from, size, size);
      expect(traffic.sent).toEqual({ MESSAGE: fragments, PULL: fragments - 1 });
      expect(traffic.answered).toEqual({ ACK: fragments - 1, REPLY: fragments });
      // a 1-byte message with a 16 MiB reply, and a 16 MiB message with a 1-byte reply (as the reversal's head)
      traffic = roundTrip(pair, from, 1, size);
      expect(traffic.sent).toEqual({ MESSAGE: 1, PULL: fragments - 1 });
      pair.setPad(0);
      const message = pattern(size, 5);
      pair.reset();
      expect(firstDifference(pair[from].request(message), reverse(message))).toBe(-1);
    }
  });

  it('hands the handler a copy: a transport that reuses one buffer for every frame corrupts nothing', () => {
    // Like the engine's scratch region: each frame is written into the same memory, then read.
    const scratch = new Uint8Array(FRAME_SIZE);
    const through = (receive: () => (f: Uint8Array) => Uint8Array) => (frame: Uint8Array) => {
      scratch.set(frame);
      const answer = receive()(scratch.subarray(0, frame.length));
      scratch.set(answer);
      return scratch.subarray(0, answer.length);
    };
    const a = makeChannel({ transport: through(() => b.receive), onMessage: reverse });
    const b = makeChannel({ transport: through(() => a.receive), onMessage: reverse });
    const message = pattern(5 * MAX_PAYLOAD + 17, 11);
    expect(firstDifference(a.request(message), reverse(message))).toBe(-1);
    expect(firstDifference(b.request(message), reverse(message))).toBe(-1);
  });

  it('round-trips any sizes at any frame size, from views at any offset in a larger buffer (fast-check)', () => {
    const view = (bytes: Uint8Array, at: number) => {
      // the bytes sit `at` bytes into a buffer whose other bytes are 0xee, which must never travel
      const buffer = new Uint8Array(at + bytes.length + 5).fill(0xee);
      buffer.set(bytes, at);
      return buffer.subarray(at, at + bytes.length);
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: HEADER_SIZE + 1, max: HEADER_SIZE + 64 }), fc.constantFrom(FRAME_SIZE, HEADER_SIZE + 1)),
        fc.uint8Array({ maxLength: 600 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(15),
        fc.nat(15),
        (frameSize, bytes, extra, at, replyAt) => {
          const answer = (m: Uint8Array) => view(concat(reverse(m), extra), replyAt);
          const pair = makePair(answer, answer, { frameSize });
          const payload = frameSize - HEADER_SIZE;
          const fragments = (n: number) => Math.max(1, Math.ceil(n / payload));
          const message = view(bytes, at);
          const reply = pair.a.request(message);
          expect(firstDifference(reply, concat(reverse(bytes), extra))).toBe(-1);
          const total = (r: Record<string, number>) => Object.values(r).reduce((x, y) => x + y, 0);
          expect(total(pair.fromA.sent)).toBe(fragments(message.length) + fragments(reply.length) - 1);
          expect(pair.fromA.largest).toBeLessThanOrEqual(frameSize);
        },
      ),
      { numRuns: 500 },
    );
  });
});
