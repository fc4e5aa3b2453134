import {
  type Channel,
  FLAG_CONTINUES,
  FLAGS_OFFSET,
  FrameError,
  HEADER_SIZE,
  KIND_MESSAGE,
  KIND_PULL,
  MAX_PAYLOAD,
  makeChannel,
} from '@xsb/channel';
import { describe, expect, it } from 'vitest';
import { concat, firstDifference, frame, makePair, pattern, reverse } from './support.js';

// The nested exchange of engine.test.ts, host ↔ host: message n is [n as u32 LE] + pattern(size(n), n);
// its handler checks the body, asks the other side for n - 1, and answers
// [n & 0xff] + (reversed body, at the big levels) + the reply to n - 1. Level 0 answers [0].
const BIG_LEVELS: Record<number, number> = { 37: 150_000, 62: 70_000 };
const size = (n: number) => BIG_LEVELS[n] ?? n % 7;

const messageFor = (n: number) => {
  const m = concat(new Uint8Array(4), pattern(size(n), n));
  new DataView(m.buffer).setUint32(0, n, true);
  return m;
};

function expectedReply(n: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let level = n; level > 0; level--) {
    parts.push(new Uint8Array([level & 0xff]));
    if (BIG_LEVELS[level]) parts.push(reverse(pattern(size(level), level)));
  }
  parts.push(new Uint8Array([0]));
  return concat(...parts);
}

/** Handles message n on whichever side it lands; `depths` records the levels this side handled. */
const nestedHandler =
  (depths: number[]) =>
  (message: Uint8Array, self: Channel): Uint8Array => {
    const n = new DataView(message.buffer, message.byteOffset).getUint32(0, true);
    depths.push(n);
    const body = message.subarray(4);
    if (firstDifference(body, pattern(size(n), n)) !== -1) throw new Error(`level ${n}: the body arrived damaged`);
    if (n === 0) return new Uint8Array([0]);
    const inner = self.request(messageFor(n - 1));
    return concat(new Uint8Array([n & 0xff]), BIG_LEVELS[n] ? reverse(body) : new Uint8Array(0), inner);
  };

describe('re-entrancy', () => {
  it('nests A → B → A → … 100 deep, with multi-frame messages and replies at some levels', () => {
    const [onA, onB] = [[] as number[], [] as number[]];
    const pair = makePair(nestedHandler(onA), nestedHandler(onB));
    expect(size(37)).toBeGreaterThan(2 * MAX_PAYLOAD);
    const reply = pair.a.request(messageFor(100));
    expect(firstDifference(reply, expectedReply(100))).toBe(-1);
    expect(reply.length).toBe(101 + 150_000 + 70_000);
    expect(onB).toEqual(Array.from({ length: 51 }, (_, i) => 100 - 2 * i));
    expect(onA).toEqual(Array.from({ length: 50 }, (_, i) => 99 - 2 * i));
    // and both channels are idle and usable afterwards, either way round
    expect(firstDifference(pair.b.request(messageFor(3)), expectedReply(3))).toBe(-1);
    expect(firstDifference(pair.a.request(messageFor(62)), expectedReply(62))).toBe(-1);
  });

  it('lets a handler make several requests in turn, each multi-frame, between its own fragments', () => {
    const pair = makePair(
      (m) => reverse(m),
      (m, self) => {
        // three full exchanges back to A while A waits for the reply to its own message
        const parts = [1, 2, 3].map((k) => self.request(pattern(k * MAX_PAYLOAD + k, k)));
        return concat(m, ...parts);
      },
    );
    const message = pattern(2 * MAX_PAYLOAD + 5, 9);
    const reply = pair.a.request(message);
    const expected = concat(message, ...[1, 2, 3].map((k) => reverse(pattern(k * MAX_PAYLOAD + k, k))));
    expect(firstDifference(reply, expected)).toBe(-1);
  });

  it("propagates a handler's exception out of receive() and through every level, then works again", () => {
    const depths: number[] = [];
    let refuse = true;
    const failing = (message: Uint8Array, self: Channel): Uint8Array => {
      const n = message[0]!;
      depths.push(n);
      if (n > 0) return concat(self.request(new Uint8Array([n - 1])), new Uint8Array([n]));
      if (refuse) throw new RangeError('level 0 refuses');
      return new Uint8Array([0]);
    };
    const pair = makePair(failing, failing);
    expect(() => pair.a.request(new Uint8Array([9]))).toThrow(new RangeError('level 0 refuses'));
    expect(depths).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    refuse = false;
    expect(pair.a.request(new Uint8Array([9]))).toEqual(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(pair.b.request(new Uint8Array([4]))).toEqual(new Uint8Array([0, 1, 2, 3, 4]));
  });

  it('lets a handler catch a failed nested request and answer anyway', () => {
    const pair = makePair(
      () => {
        throw new Error('A is out');
      },
      (m, self) => {
        try {
          self.request(pattern(3 * MAX_PAYLOAD, 1));
        } catch (error) {
          return concat(m, new Uint8Array([(error as Error).message.length]));
        }
        return m;
      },
    );
    const message = pattern(MAX_PAYLOAD + 1, 4);
    expect(firstDifference(pair.a.request(message), concat(message, new Uint8Array(['A is out'.length])))).toBe(-1);
  });

  it('starts over after a transport failed midway through a message or a reply, delivering nothing partial', () => {
    const delivered: number[] = [];
    let failAt = -1;
    let frames = 0;
    const b: Channel = makeChannel({
      transport: () => {
        throw new Error('unused');
      },
      onMessage: (m) => (delivered.push(m.length), m),
    });
    const a = makeChannel({
      transport: (frame) => {
        if (frames++ === failAt) throw new Error('link down');
        return b.receive(frame);
      },
      onMessage: (m) => m,
    });
    const message = pattern(4 * MAX_PAYLOAD, 2);
    for (const at of [0, 2, 3, 4, 6]) {
      // 0–3: MESSAGE fragments, lost before B saw them; 4–6: PULLs of the reply, after B's onMessage ran
      [failAt, frames] = [at, 0];
      expect(() => a.request(message)).toThrow('link down');
      failAt = -1;
      expect(firstDifference(a.request(message), message), `after failing at frame ${at}`).toBe(-1);
    }
    // onMessage saw only whole messages: one per retry, and one per failure while pulling (at 4 and 6)
    expect(delivered).toEqual(Array(5 + 2).fill(message.length));
  });

  it('keeps a finished message out of the exchanges nested in its handler', () => {
    const frameSize = HEADER_SIZE + 4;
    const seen: unknown[] = [];
    const b: Channel = makeChannel({
      transport: (f) => f,
      onMessage: (m) => {
        if (seen.length === 0) {
          // while the handler runs, a fragment arrives that would continue the message just handled
          try {
            seen.push(b.receive(frame({ kind: KIND_MESSAGE, sequence: 2, payload: new Uint8Array([9]) })));
          } catch (error) {
            seen.push(error);
          }
        }
        return m;
      },
      frameSize,
    });
    b.receive(frame({ kind: KIND_MESSAGE, sequence: 0, flags: FLAG_CONTINUES, payload: new Uint8Array([1, 2, 3, 4]) }));
    const reply = b.receive(frame({ kind: KIND_MESSAGE, sequence: 1, payload: new Uint8Array([5]) }));
    expect(Array.from(reply.subarray(HEADER_SIZE))).toEqual([1, 2, 3, 4]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(FrameError);
    expect((seen[0] as Error).message).toMatch(/MESSAGE fragment 2 arrived but no message is being collected \(idle\)/);
  });

  it('refuses a stale PULL once the reply it belonged to was abandoned for a new message', () => {
    const b = makeChannel({ transport: (f) => f, onMessage: (m) => concat(m, m) });
    const a = makeChannel({ transport: (f) => b.receive(f), onMessage: (m) => m });
    // a hand-made one-fragment message whose doubled reply needs two fragments: one is left to pull
    const first = b.receive(frame({ kind: KIND_MESSAGE, payload: pattern(MAX_PAYLOAD, 1) }));
    expect(first[FLAGS_OFFSET]).toBe(FLAG_CONTINUES);
    // a new message drops the pending reply
    expect(a.request(new Uint8Array([1]))).toEqual(new Uint8Array([1, 1]));
    expect(() => b.receive(frame({ kind: KIND_PULL, sequence: 1 }))).toThrow(/PULL 1 arrived with no reply pending/);
  });
});
