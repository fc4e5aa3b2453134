// The region transport: frames written and read in place in memory both ends share, as the engine's
// scratch is (Machine.scratch and onFrame in @xsb/xs-wasm; engine.test.ts runs it against the
// engine). Here both ends are channels over a fake region: one Uint8Array, and an exchange that
// has the other channel answer with receiveInRegion() on the same memory.
import {
  type Channel,
  ChannelError,
  type ChannelOptions,
  ChannelOptionsError,
  FLAG_CONTINUES,
  FrameError,
  HEADER_SIZE,
  KIND_ACK,
  KIND_MESSAGE,
  KIND_OFFSET,
  KIND_PULL,
  KIND_REPLY,
  MessageTooLargeError,
  makeChannel,
  SEQUENCE_OFFSET,
} from '@xsb/channel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, firstDifference, frame, KIND_NAME, pattern, reverse } from './support.js';

type Region = NonNullable<ChannelOptions['region']>;
type Handler = (message: Uint8Array, self: Channel) => Uint8Array;

const FRAME = HEADER_SIZE + 20; // 20 bytes of payload per frame: small, so fragments are cheap to make
const P = FRAME - HEADER_SIZE;
const fragments = (size: number, payload = P): number => Math.max(1, Math.ceil(size / payload));

/** What one side's exchanges carried: every frame's bytes, each way, in order. */
interface Log {
  sent: Uint8Array[];
  answered: Uint8Array[];
}

const kinds = (frames: readonly Uint8Array[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const f of frames) {
    const name = KIND_NAME[f[KIND_OFFSET]!] ?? `kind ${f[KIND_OFFSET]}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
};

interface RegionPair {
  a: Channel;
  b: Channel;
  /** The shared memory as it is now (moving() replaces it). */
  readonly memory: Uint8Array;
  fromA: Log;
  fromB: Log;
  /** Rewrites what a's exchange returns (the length of b's answer), after b wrote it. */
  tamperA?: (length: number, memory: Uint8Array) => number;
  /** Gives the memory a new buffer with the same bytes, as wasm memory growing does. */
  move(): void;
}

interface RegionPairOptions extends Omit<ChannelOptions, 'transport' | 'region' | 'onMessage'> {
  /** Bytes of memory past frameSize (a region has at least frameSize). */
  readonly extra?: number;
  /** Move the memory before each frame is answered. */
  readonly moving?: boolean;
}

/** Two channels over one region, each one's exchange answered by the other's receiveInRegion(). */
function regionPair(onA: Handler, onB: Handler, options: RegionPairOptions = {}): RegionPair {
  const { extra = 0, moving = false, ...channelOptions } = options;
  const frameSize = channelOptions.frameSize ?? FRAME;
  let memory = new Uint8Array(frameSize + extra);
  const pair = {
    fromA: { sent: [], answered: [] } as Log,
    fromB: { sent: [], answered: [] } as Log,
    get memory() {
      return memory;
    },
    move() {
      const moved = new Uint8Array(memory.length);
      moved.set(memory);
      memory.fill(0xee); // the old buffer no longer says anything
      memory = moved;
    },
  } as RegionPair;
  const region = (log: () => Log, far: () => Channel, tamper: () => RegionPair['tamperA']): Region => ({
    bytes: () => memory,
    exchange: (length) => {
      log().sent.push(memory.slice(0, length));
      if (moving) pair.move();
      let answer = far().receiveInRegion(length);
      log().answered.push(memory.slice(0, answer));
      const t = tamper();
      if (t) answer = t(answer, memory);
      if (moving) pair.move();
      return answer;
    },
  });
  pair.a = makeChannel({
    ...channelOptions,
    frameSize,
    region: region(
      () => pair.fromA,
      () => pair.b,
      () => pair.tamperA,
    ),
    onMessage: (m) => onA(m, pair.a),
  });
  pair.b = makeChannel({
    ...channelOptions,
    frameSize,
    region: region(
      () => pair.fromB,
      () => pair.a,
      () => undefined,
    ),
    onMessage: (m) => onB(m, pair.b),
  });
  return pair;
}

/** Two channels over transports that call each other's receive(), logging every frame. */
function transportPair(onA: Handler, onB: Handler, frameSize: number): { a: Channel; fromA: Log; fromB: Log } {
  const fromA: Log = { sent: [], answered: [] };
  const fromB: Log = { sent: [], answered: [] };
  const carry = (log: Log, far: () => Channel) => (out: Uint8Array) => {
    log.sent.push(out.slice());
    const back = far().receive(out);
    log.answered.push(back.slice());
    return back;
  };
  const a: Channel = makeChannel({ frameSize, transport: carry(fromA, () => b), onMessage: (m) => onA(m, a) });
  const b: Channel = makeChannel({ frameSize, transport: carry(fromB, () => a), onMessage: (m) => onB(m, b) });
  return { a, fromA, fromB };
}

const never: Handler = () => {
  throw new Error('this side is not asked in this test');
};

/** The error `fn` throws. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, and nothing was thrown');
}

const region: Region = { bytes: () => new Uint8Array(FRAME), exchange: () => 0 };
const onMessage = (m: Uint8Array) => m;

describe('options with a region', () => {
  /** The problems makeChannel lists for these options. */
  function problems(options: unknown): readonly string[] {
    const error = thrown(() => makeChannel(options as ChannelOptions));
    expect(error).toBeInstanceOf(ChannelOptionsError);
    expect(error).toBeInstanceOf(ChannelError);
    return (error as ChannelOptionsError).problems;
  }

  it('refuses a region and a transport both', () => {
    expect(problems({ region, transport: (f: Uint8Array) => f, onMessage })).toEqual(['give a transport or a region, not both']);
  });

  it('refuses a region that is not { bytes(), exchange(length) }, quoting it, and asks for no transport', () => {
    const malformed: [unknown, string][] = [
      [null, 'null'],
      [42, '42'],
      ['region', '"region"'],
      [() => 0, 'a function'],
      [[], 'an array'],
      [{}, 'an object'],
      [{ bytes: () => new Uint8Array(FRAME) }, 'an object'],
      [{ exchange: () => 0 }, 'an object'],
      [{ bytes: new Uint8Array(FRAME), exchange: () => 0 }, 'an object'],
      [new Uint8Array(FRAME), `a Uint8Array of ${FRAME} bytes`],
    ];
    for (const [bad, quoted] of malformed) {
      expect(problems({ region: bad, onMessage }), quoted).toEqual([
        `region must be an object { bytes(), exchange(length) }, got ${quoted}`,
      ]);
    }
    // and beside a transport, both problems are listed
    expect(problems({ region: null, transport: (f: Uint8Array) => f, onMessage })).toHaveLength(2);
  });

  it('asks for a transport when given neither, listing it with every other problem', () => {
    expect(problems({ onMessage })).toEqual([expect.stringMatching(/^transport must be a function/)]);
    expect(problems({ region: undefined, onMessage })).toEqual([expect.stringMatching(/^transport must be a function/)]);
    expect(problems({ frameSize: 4 }).map((p) => p.split(' ')[0])).toEqual(['transport', 'onMessage', 'frameSize']);
  });

  it('accepts a region, returns a frozen channel, and touches neither bytes() nor exchange() until a frame moves', () => {
    const calls: string[] = [];
    const channel = makeChannel({
      region: {
        bytes: () => (calls.push('bytes'), new Uint8Array(FRAME)),
        exchange: () => (calls.push('exchange'), 0),
      },
      onMessage,
      frameSize: FRAME,
    });
    expect(Object.isFrozen(channel)).toBe(true);
    expect(Object.keys(channel).sort()).toEqual(['receive', 'receiveInRegion', 'request']);
    expect(calls).toEqual([]);
  });
});

describe('receiveInRegion()', () => {
  it('is refused, as a ChannelError, on a channel made with a transport', () => {
    const channel = makeChannel({ transport: (f) => f, onMessage });
    for (const length of [0, HEADER_SIZE, 100]) {
      const error = thrown(() => channel.receiveInRegion(length));
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).not.toBeInstanceOf(FrameError);
      expect(error.name).toBe('ChannelError');
      expect(error.message).toMatch(/is for a channel made with a region; this one has a transport/);
    }
  });

  it('answers a frame in place: reads the frame at the region’s start, writes its answer there, returns its length', () => {
    const memory = new Uint8Array(FRAME);
    const handled: Uint8Array[] = [];
    const channel = makeChannel({
      region: { bytes: () => memory, exchange: never as unknown as Region['exchange'] },
      onMessage: (m) => (handled.push(m), reverse(m)),
      frameSize: FRAME,
    });
    const first = frame({ kind: KIND_MESSAGE, flags: FLAG_CONTINUES, payload: pattern(P, 1) });
    memory.set(first);
    expect(channel.receiveInRegion(first.length)).toBe(HEADER_SIZE);
    expect(memory.slice(0, HEADER_SIZE)).toEqual(frame({ kind: KIND_ACK }));
    const last = frame({ kind: KIND_MESSAGE, sequence: 1, payload: pattern(3, 2) });
    memory.set(last);
    const length = channel.receiveInRegion(last.length);
    const whole = concat(pattern(P, 1), pattern(3, 2));
    expect(handled).toEqual([whole]);
    expect(memory.slice(0, length)).toEqual(
      frame({ kind: KIND_REPLY, flags: FLAG_CONTINUES, payload: reverse(whole).subarray(0, P) }),
    );
    memory.set(frame({ kind: KIND_PULL, sequence: 1 }));
    expect(memory.slice(0, channel.receiveInRegion(HEADER_SIZE))).toEqual(
      frame({ kind: KIND_REPLY, sequence: 1, payload: reverse(whole).subarray(P) }),
    );
  });

  it('refuses frames shorter than the header, or longer than frameSize, and the exchange they belonged to', () => {
    const memory = new Uint8Array(2 * FRAME);
    const handled: Uint8Array[] = [];
    const channel = makeChannel({
      region: { bytes: () => memory, exchange: never as unknown as Region['exchange'] },
      onMessage: (m) => (handled.push(m), m),
      frameSize: FRAME,
    });
    const cases: [number, RegExp][] = [
      [0, /a frame of 0 bytes is shorter than the 12-byte header/],
      [HEADER_SIZE - 1, /a frame of 11 bytes is shorter/],
      [-1, /a frame length of -1 is not a whole number of bytes/],
      [Number.NaN, /a frame length of NaN is not a whole number of bytes/],
      [1.5, /a frame length of 1.5 is not a whole number of bytes/],
      [FRAME + 1, new RegExp(`a frame of ${FRAME + 1} bytes is longer than frameSize \\(${FRAME}\\)`)],
      [2 * FRAME, /is longer than frameSize/],
    ];
    for (const [length, expected] of cases) {
      // a message is being collected when the bad frame comes
      memory.set(frame({ kind: KIND_MESSAGE, flags: FLAG_CONTINUES, payload: pattern(P, 1) }));
      expect(channel.receiveInRegion(FRAME)).toBe(HEADER_SIZE);
      memory.set(frame({ kind: KIND_MESSAGE, sequence: 1, length: FRAME, payload: pattern(P, 2) }));
      const error = thrown(() => channel.receiveInRegion(length));
      expect(error, `${length}`).toBeInstanceOf(FrameError);
      expect(error.message, `${length}`).toMatch(expected);
      // the exchange is abandoned: its next fragment is refused, and nothing was handled
      memory.set(frame({ kind: KIND_MESSAGE, sequence: 1, payload: pattern(3, 2) }));
      expect(() => channel.receiveInRegion(HEADER_SIZE + 3)).toThrow(/no message is being collected \(idle\)/);
      expect(handled).toEqual([]);
    }
  });
  // As for the answers of 'frames coming back through the region' below: a length past a region
  // exactly frameSize long is cut to its end, and a full frame there is taken. Machine.scratch's
  // exchange() checks the length before the engine reads it; a fake region need not.
  it('refuses a frame longer than frameSize in a region exactly frameSize long', () => {
    const memory = new Uint8Array(FRAME);
    const handled: Uint8Array[] = [];
    const channel = makeChannel({
      region: { bytes: () => memory, exchange: never as unknown as Region['exchange'] },
      onMessage: (m) => (handled.push(m), m),
      frameSize: FRAME,
    });
    memory.set(frame({ kind: KIND_MESSAGE, payload: pattern(P, 1) }));
    const error = thrown(() => channel.receiveInRegion(FRAME + 5));
    expect(error).toBeInstanceOf(FrameError);
    expect(handled).toEqual([]);
  });
});

describe('requests through a region', () => {
  it('carries messages and replies of any number of fragments, either way, frame for frame', () => {
    // the reply is the message reversed, then up to 49 bytes more (so its size differs)
    const answer: Handler = (m) => concat(reverse(m), pattern(m.length % 50, 3));
    const pair = regionPair(answer, answer);
    for (const size of [0, 1, P - 1, P, P + 1, 2 * P, 5 * P + 7, 1000]) {
      for (const [from, log] of [
        [pair.a, () => pair.fromA],
        [pair.b, () => pair.fromB],
      ] as const) {
        log().sent.length = 0;
        log().answered.length = 0;
        const message = pattern(size, size);
        const reply = from.request(message);
        const expected = answer(message, from);
        expect(firstDifference(reply, expected), `${size}`).toBe(-1);
        const [m, r] = [fragments(message.length), fragments(expected.length)];
        expect(kinds(log().sent), `${size}`).toEqual(r > 1 ? { MESSAGE: m, PULL: r - 1 } : { MESSAGE: m });
        expect(kinds(log().answered), `${size}`).toEqual(m > 1 ? { ACK: m - 1, REPLY: r } : { REPLY: r });
        // every fragment but the last is a full frame
        expect(
          log()
            .sent.slice(0, m - 1)
            .every((f) => f.length === FRAME),
        ).toBe(true);
      }
    }
  });

  it('writes the same frames as a channel over a transport does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: HEADER_SIZE + 1, max: HEADER_SIZE + 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (frameSize, message, replySize) => {
          const onB: Handler = (m) => concat(m, pattern(replySize, m.length));
          const viaRegion = regionPair(never, onB, { frameSize });
          const viaTransport = transportPair(never, onB, frameSize);
          const reply = viaRegion.a.request(message);
          expect(reply).toEqual(viaTransport.a.request(message));
          expect(viaRegion.fromA).toEqual(viaTransport.fromA);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('nests A → B → A → … 40 deep, with multi-fragment messages and replies at some levels', () => {
    // message n: [n] + pattern(size(n), n); its handler checks it, asks the other side for n - 1,
    // and answers [n] + (its body reversed, at the big levels) + the reply to n - 1
    const BIG: Record<number, number> = { 7: 5 * P + 3, 22: 2 * P, 31: 9 * P + 1 };
    const size = (n: number) => BIG[n] ?? n % 5;
    const messageFor = (n: number) => concat(new Uint8Array([n]), pattern(size(n), n));
    const depths: number[] = [];
    const handler: Handler = (message, self) => {
      const n = message[0]!;
      depths.push(n);
      if (firstDifference(message.subarray(1), pattern(size(n), n)) !== -1) throw new Error(`level ${n} arrived damaged`);
      if (n === 0) return new Uint8Array([0]);
      const inner = self.request(messageFor(n - 1));
      return concat(new Uint8Array([n]), BIG[n] ? reverse(message.subarray(1)) : new Uint8Array(0), inner);
    };
    const expectedFor = (n: number): Uint8Array =>
      concat(
        ...Array.from({ length: n }, (_, i) => n - i).flatMap((k) => [
          new Uint8Array([k]),
          BIG[k] ? reverse(pattern(size(k), k)) : new Uint8Array(0),
        ]),
        new Uint8Array([0]),
      );
    const pair = regionPair(handler, handler);
    const reply = pair.a.request(messageFor(40));
    expect(firstDifference(reply, expectedFor(40))).toBe(-1);
    // B handled the even levels, A the odd ones
    expect(depths).toEqual(Array.from({ length: 41 }, (_, i) => 40 - i));
    // both ends are idle afterwards, either way round
    expect(firstDifference(pair.b.request(messageFor(31)), expectedFor(31))).toBe(-1);
    expect(firstDifference(pair.a.request(messageFor(7)), expectedFor(7))).toBe(-1);
  });

  it('lets a handler make several multi-fragment requests while the other side waits for its reply', () => {
    const pair = regionPair(
      (m) => reverse(m),
      (m, self) => concat(m, ...[1, 2, 3].map((k) => self.request(pattern(k * P + k, k)))),
    );
    const message = pattern(3 * P + 5, 9);
    const expected = concat(message, ...[1, 2, 3].map((k) => reverse(pattern(k * P + k, k))));
    expect(firstDifference(pair.a.request(message), expected)).toBe(-1);
  });

  it('asks the region for its bytes afresh for every frame, so memory may move between frames', () => {
    const answer: Handler = (m, self) =>
      m.length > 0 && m[0]! < 3 ? concat(m, self.request(pattern(2 * P, m[0]! + 1))) : reverse(m);
    const moving = regionPair(answer, answer, { moving: true });
    const still = regionPair(answer, answer);
    const message = pattern(4 * P + 1, 0);
    expect(firstDifference(moving.a.request(message), still.a.request(message))).toBe(-1);
    expect(moving.fromA).toEqual(still.fromA);
    expect(moving.fromB).toEqual(still.fromB);
    expect(moving.fromB.sent.length).toBeGreaterThan(0);
  });

  it('returns a reply in a buffer of its own, not a view of the region, and hands onMessage its own copy', () => {
    const handled: Uint8Array[] = [];
    const pair = regionPair(never, (m) => (handled.push(m), reverse(m)));
    for (const size of [0, 5, P, 3 * P + 2]) {
      const message = pattern(size, 4);
      const reply = pair.a.request(message);
      expect(reply.buffer).not.toBe(pair.memory.buffer);
      pair.memory.fill(0xa5);
      expect(firstDifference(reply, reverse(message)), `${size}`).toBe(-1);
      expect(handled.at(-1)!.buffer).not.toBe(pair.memory.buffer);
      expect(firstDifference(handled.at(-1)!, message), `${size}`).toBe(-1);
    }
    // the copies outlive later exchanges too
    const kept = pair.a.request(pattern(2 * P, 8));
    pair.a.request(pattern(4 * P, 9));
    expect(firstDifference(kept, reverse(pattern(2 * P, 8)))).toBe(-1);
    expect(firstDifference(handled.at(-2)!, pattern(2 * P, 8))).toBe(-1);
  });

  it('propagates a handler’s exception out of the exchange, and carries on', () => {
    const pair = regionPair(never, (m) => {
      if (m[0] === 0) throw new Error('no zeros');
      return m;
    });
    expect(() => pair.a.request(concat(new Uint8Array([0]), pattern(3 * P, 1)))).toThrow('no zeros');
    expect(firstDifference(pair.a.request(pattern(3 * P, 2)), pattern(3 * P, 2))).toBe(-1);
  });

  it('refuses a message or reply larger than maxMessageSize', () => {
    const pair = regionPair(never, (m) => concat(m, m), { maxMessageSize: 3 * P });
    expect(() => pair.a.request(pattern(3 * P + 1, 1))).toThrow(MessageTooLargeError);
    expect(() => pair.a.request(pattern(2 * P, 1))).toThrow(/the reply onMessage returned is 80 bytes/);
    expect(firstDifference(pair.a.request(pattern(P, 1)), concat(pattern(P, 1), pattern(P, 1)))).toBe(-1);
  });
});

describe('frames coming back through the region', () => {
  /** What a.request() throws when a's exchange returns what `tamper` makes of b's answer. */
  function refusal(tamper: RegionPair['tamperA'], message = pattern(3, 1), extra = FRAME): Error {
    const pair = regionPair(never, reverse, { extra });
    pair.tamperA = tamper;
    const error = thrown(() => pair.a.request(message));
    // and the channels carry on
    pair.tamperA = undefined;
    expect(firstDifference(pair.a.request(pattern(2 * P + 1, 2)), reverse(pattern(2 * P + 1, 2)))).toBe(-1);
    return error;
  }

  it('refuses an answer shorter than the header, or of a length that is not one', () => {
    for (const length of [0, 1, HEADER_SIZE - 1]) {
      const error = refusal(() => length);
      expect(error, `${length}`).toBeInstanceOf(FrameError);
      expect(error.message, `${length}`).toMatch(/^transport\(\): a frame of \d+ bytes is shorter than the 12-byte header/);
    }
    for (const length of [-1, Number.NaN, 2.5]) {
      const error = refusal(() => length);
      expect(error, `${length}`).toBeInstanceOf(FrameError);
      expect(error.message, `${length}`).toMatch(/^transport\(\): a frame length of .* is not a whole number of bytes/);
    }
  });

  it('refuses an answer longer than frameSize, in a region with room past it', () => {
    for (const length of [FRAME + 1, 2 * FRAME]) {
      const error = refusal((_answer, memory) => {
        // a well-formed REPLY of that length, in case only the header were read
        memory.set(frame({ kind: KIND_REPLY, payload: pattern(length - HEADER_SIZE, 5) }));
        return length;
      });
      expect(error).toBeInstanceOf(FrameError);
      expect(error.message).toMatch(new RegExp(`a frame of ${length} bytes is longer than frameSize \\(${FRAME}\\)`));
    }
  });

  // The region's bytes() may be exactly frameSize long (Machine.scratch's is). A length past it
  // is cut to the region's end by subarray(), so a full frame in the region is taken as the answer
  // and the excess goes unnoticed. (Machine.scratch and Machine.onFrame check lengths themselves.)
  it('refuses an answer longer than frameSize in a region exactly frameSize long', () => {
    const error = refusal(
      (_answer, memory) => {
        memory.set(frame({ kind: KIND_REPLY, payload: pattern(P, 5) }));
        return FRAME + 5;
      },
      pattern(3, 1),
      0,
    );
    expect(error).toBeInstanceOf(FrameError);
  });

  it('refuses answers of the wrong kind or sequence, or cut short', () => {
    const cases: [RegionPair['tamperA'], RegExp][] = [
      [(answer) => answer - 1, /LENGTH says \d+ bytes of payload but the frame carries/],
      [
        (_, memory) => (memory.set(frame({ kind: KIND_ACK })), HEADER_SIZE),
        /answered the last MESSAGE fragment \(0\) with ACK 0 where REPLY 0 was expected/,
      ],
      [(_, memory) => (memory.set(frame({ kind: 9 })), HEADER_SIZE), /unknown KIND 9/],
    ];
    for (const [tamper, expected] of cases) {
      const error = refusal(tamper);
      expect(error).toBeInstanceOf(FrameError);
      expect(error.message).toMatch(expected);
    }
    // mid-message: ACK 0 answered with ACK 1
    const error = refusal(
      (answer, memory) =>
        memory[KIND_OFFSET] === KIND_ACK ? (memory.set(frame({ kind: KIND_ACK, sequence: 1 })), answer) : answer,
      pattern(2 * P, 3),
    );
    expect(error.message).toMatch(/answered MESSAGE fragment 0 with ACK 1 where ACK 0 was expected/);
  });

  it('hands over nothing partial when an exchange is cut off mid-reply', () => {
    let pulls = 0;
    const error = refusal(
      (answer, memory) => {
        // REPLY 2 comes back three bytes long, once
        if (memory[KIND_OFFSET] === KIND_REPLY && memory[SEQUENCE_OFFSET] === 2 && pulls++ === 0) return 3;
        return answer;
      },
      pattern(4 * P, 6),
    );
    expect(error).toBeInstanceOf(FrameError);
    expect(error.message).toMatch(/a frame of 3 bytes is shorter/);
  });
});
