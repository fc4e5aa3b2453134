import {
  type Channel,
  ChannelError,
  FLAG_CONTINUES,
  FrameError,
  HEADER_SIZE,
  KIND_ACK,
  KIND_MESSAGE,
  KIND_PULL,
  KIND_REPLY,
  makeChannel,
} from '@xsb/channel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, decode, type FrameFields, frame, pattern } from './support.js';

const FRAME = HEADER_SIZE + 8; // 8 bytes of payload per frame: small, so fragments are cheap to make
const P = FRAME - HEADER_SIZE;
const double = (m: Uint8Array) => concat(m, m);

/** A replier whose handler answers a message with it twice over, and the messages it handled. */
function replier(): { channel: Channel; handled: Uint8Array[] } {
  const handled: Uint8Array[] = [];
  const channel = makeChannel({
    transport: () => {
      throw new Error('the replier never requests in these tests');
    },
    onMessage: (m) => (handled.push(m), double(m)),
    frameSize: FRAME,
  });
  return { channel, handled };
}

const message = (sequence: number, more: boolean, length = more ? P : 3): FrameFields => ({
  kind: KIND_MESSAGE,
  sequence,
  flags: more ? FLAG_CONTINUES : 0,
  payload: pattern(length, sequence),
});

/** Feeds `before` (each must be answered), then expects `bad` to be refused with a FrameError matching `pattern`. */
function refused(before: FrameFields[], bad: FrameFields | Uint8Array | unknown, expected: RegExp): void {
  const { channel, handled } = replier();
  for (const fields of before) channel.receive(frame(fields));
  const input = bad instanceof Uint8Array || !(bad && typeof bad === 'object' && 'kind' in bad) ? bad : frame(bad as FrameFields);
  let error: unknown;
  try {
    channel.receive(input as Uint8Array);
  } catch (e) {
    error = e;
  }
  expect(error, `${expected}`).toBeInstanceOf(FrameError);
  expect((error as Error).name).toBe('FrameError');
  expect((error as Error).message).toMatch(expected);
  // the exchange is abandoned, and a fresh one goes through
  expect(decode(channel.receive(frame(message(0, false))))).toMatchObject({ kind: KIND_REPLY, sequence: 0, length: 6 });
  expect(handled.at(-1)).toEqual(pattern(3, 0));
}

describe('malformed frames into receive()', () => {
  it('refuses what is not a frame at all', () => {
    refused([], new ArrayBuffer(20), /a frame must be a Uint8Array, got an object/);
    refused([], new Uint16Array(10), /got a Uint16Array of 20 bytes/);
    refused([], 'MESSAGE', /got "MESSAGE"/);
    refused([], new Uint8Array(0), /a frame of 0 bytes is shorter than the 12-byte header/);
    refused([], new Uint8Array(HEADER_SIZE - 1), /11 bytes is shorter/);
    refused([], new Uint8Array(HEADER_SIZE), /unknown KIND 0/);
  });

  it('refuses a LENGTH that does not match the frame, and frames larger than frameSize', () => {
    refused([], { ...message(0, false), length: 4 }, /LENGTH says 4 bytes of payload but the frame carries 3/);
    refused([], { ...message(0, false), length: 2 ** 32 - 1 }, /LENGTH says 4294967295 bytes/);
    refused(
      [],
      message(0, false, P + 1),
      /a frame of 21 bytes is longer than frameSize \(20\); both channels must use the same frameSize/,
    );
  });

  it('refuses unknown kinds, unknown flags and nonzero reserved bytes', () => {
    for (const kind of [0, 5, 0x80, 0xff])
      refused([], { ...message(0, false), kind }, new RegExp(`unknown KIND ${kind}; expected MESSAGE \\(1\\)`));
    refused([], { ...message(0, false), flags: 2 }, /MESSAGE frame has unknown FLAGS 0x2/);
    refused([], { ...message(0, true), flags: 0x81 }, /unknown FLAGS 0x81/);
    refused([], { ...message(0, false), reserved: 0x100 }, /nonzero reserved bytes/);
  });

  it('refuses answers (ACK, REPLY) arriving as requests', () => {
    refused([], { kind: KIND_ACK }, /ACK 0 arrived, but ACK frames only answer frames.*wired the wrong way round/);
    refused([], { kind: KIND_REPLY, payload: pattern(3) }, /REPLY 0 arrived, but REPLY frames only answer/);
  });

  it('refuses MESSAGE fragments out of order, or short ones that claim more follow', () => {
    refused(
      [],
      message(1, false),
      /MESSAGE fragment 1 arrived but no message is being collected \(idle\); a message starts with fragment 0/,
    );
    refused([message(0, true)], message(2, false), /MESSAGE fragment 2 arrived where fragment 1 was expected/);
    refused([message(0, true), message(1, true)], message(1, true), /fragment 1 arrived where fragment 2 was expected/);
    refused(
      [],
      message(0, true, P - 1),
      /fragment 0 carries 7 bytes with FLAG_CONTINUES, but every fragment but the last must be full \(8 bytes/,
    );
    refused([], message(0, true, 0), /carries 0 bytes with FLAG_CONTINUES/);
  });

  it('refuses a PULL with nothing pending, or for the wrong fragment', () => {
    refused([], { kind: KIND_PULL, sequence: 1 }, /PULL 1 arrived with no reply pending \(idle\)/);
    refused([message(0, true)], { kind: KIND_PULL, sequence: 1 }, /no reply pending \(collecting\)/);
    // a 3-byte message is answered with 6 bytes: one REPLY, nothing left to pull
    refused([message(0, false)], { kind: KIND_PULL, sequence: 1 }, /no reply pending \(idle\)/);
    // an 8-byte message is answered with 16: REPLY 0 and REPLY 1, so PULL 1 is due, not 2 (nor 0)
    refused([message(0, false, P)], { kind: KIND_PULL, sequence: 2 }, /PULL 2 arrived where PULL 1 was expected/);
    refused([message(0, false, P)], { kind: KIND_PULL, sequence: 0 }, /PULL 0 arrived where PULL 1 was expected/);
  });

  it('refuses an ACK or PULL that carries a payload or flags', () => {
    refused([message(0, false, P)], { kind: KIND_PULL, sequence: 1, payload: new Uint8Array(1) }, /PULL 1 carries 1 bytes/);
    refused(
      [message(0, false, P)],
      { kind: KIND_PULL, sequence: 1, flags: FLAG_CONTINUES },
      /PULL 1 carries 0 bytes and FLAGS 0x1; PULL frames carry neither/,
    );
    refused([], { kind: KIND_ACK, payload: new Uint8Array(2) }, /ACK 0 carries 2 bytes/);
  });

  it('refuses a reply that is not a Uint8Array', () => {
    const channel = makeChannel({ transport: (f) => f, onMessage: () => [1, 2] as unknown as Uint8Array });
    expect(() => channel.receive(frame(message(0, false)))).toThrow(
      new ChannelError('onMessage must return a Uint8Array (the reply), got an array'),
    );
  });
});

describe('malformed answers from transport()', () => {
  /** A requester whose transport answers the k-th frame with answers[k](frame, replier), or lets the replier answer. */
  function requester(answers: Record<number, (sent: Uint8Array, far: Channel) => unknown>) {
    const { channel: far } = replier();
    let k = 0;
    return makeChannel({
      transport: (f) => {
        const answer = answers[k++];
        return (answer ? answer(f, far) : far.receive(f)) as Uint8Array;
      },
      onMessage: (m) => m,
      frameSize: FRAME,
    });
  }
  const long = pattern(2 * P + 1); // 3 MESSAGE fragments; its doubled reply is 5 REPLY fragments

  it('refuses the wrong kind or fragment', () => {
    expect(() => requester({ 0: () => frame({ kind: KIND_REPLY }) }).request(long)).toThrow(
      /transport\(\) answered MESSAGE fragment 0 with REPLY 0 where ACK 0 was expected/,
    );
    expect(() => requester({ 1: () => frame({ kind: KIND_ACK, sequence: 0 }) }).request(long)).toThrow(
      /answered MESSAGE fragment 1 with ACK 0 where ACK 1 was expected/,
    );
    expect(() => requester({ 2: () => frame({ kind: KIND_ACK, sequence: 2 }) }).request(long)).toThrow(
      /answered the last MESSAGE fragment \(2\) with ACK 2 where REPLY 0 was expected/,
    );
    expect(() => requester({ 3: () => frame({ kind: KIND_REPLY, sequence: 2, payload: pattern(P) }) }).request(long)).toThrow(
      /answered PULL 1 with REPLY 2 where REPLY 1 was expected/,
    );
    expect(() => requester({ 0: () => frame({ kind: KIND_PULL }) }).request(new Uint8Array(1))).toThrow(FrameError);
  });

  it('refuses truncated, padded or short fragments: never a silent truncation', () => {
    const cut = (f: Uint8Array) => f.subarray(0, f.length - 1);
    expect(() => requester({ 4: (f, far) => cut(far.receive(f)) }).request(long)).toThrow(
      /LENGTH says 8 bytes of payload but the frame carries 7/,
    );
    const pad = (f: Uint8Array) => concat(f, new Uint8Array(1));
    expect(() => requester({ 6: (f, far) => pad(far.receive(f)) }).request(long)).toThrow(
      /LENGTH says 2 bytes of payload but the frame carries 3/,
    );
    expect(() => requester({ 5: (f, far) => pad(far.receive(f)) }).request(long)).toThrow(
      /a frame of 21 bytes is longer than frameSize/,
    );
    expect(requester({}).request(long)).toEqual(double(long));
    const short = () => frame({ kind: KIND_REPLY, sequence: 0, flags: FLAG_CONTINUES, payload: pattern(P - 1) });
    expect(() => requester({ 0: short }).request(new Uint8Array(1))).toThrow(
      /a reply fragment 0 carries 7 bytes with FLAG_CONTINUES, but every fragment but the last must be full/,
    );
    expect(() => requester({ 0: () => new Uint8Array(3) }).request(new Uint8Array(1))).toThrow(
      /transport\(\): a frame of 3 bytes is shorter/,
    );
    expect(() => requester({ 0: () => undefined }).request(new Uint8Array(1))).toThrow(
      /transport\(\): a frame must be a Uint8Array, got undefined/,
    );
  });
});

// ── Random frames (fast-check) ────────────────────────────────────────────────────────────────
// A model of the replier, written apart from the channel: each frame is either refused (FrameError)
// or answered with exactly the bytes the model predicts; every message handed to onMessage is one
// the model put together from accepted fragments.

type ModelState =
  | { phase: 'idle' }
  | { phase: 'collecting'; next: number; parts: Uint8Array[] }
  | { phase: 'replying'; reply: Uint8Array; next: number };

interface ModelStep {
  state: ModelState;
  answer?: Uint8Array;
  handled?: Uint8Array;
}

function modelStep(state: ModelState, bytes: Uint8Array): ModelStep {
  const refuse: ModelStep = { state: { phase: 'idle' } };
  if (bytes.length < HEADER_SIZE || bytes.length > FRAME) return refuse;
  const { kind, flags, sequence, length, payload } = decode(bytes);
  if (length !== payload.length || ![1, 2, 3, 4].includes(kind) || flags > 1 || bytes[6] || bytes[7]) return refuse;
  const replyFragment = (reply: Uint8Array, n: number): ModelStep => {
    const part = reply.subarray(n * P, (n + 1) * P);
    const more = (n + 1) * P < reply.length;
    return {
      state: more ? { phase: 'replying', reply, next: n + 1 } : { phase: 'idle' },
      answer: frame({ kind: KIND_REPLY, sequence: n, flags: more ? 1 : 0, payload: part }),
    };
  };
  if (kind === KIND_MESSAGE) {
    let parts: Uint8Array[];
    if (sequence === 0) parts = [];
    else if (state.phase === 'collecting' && state.next === sequence) parts = state.parts;
    else return refuse;
    if (flags === 1 && length !== P) return refuse;
    parts = [...parts, payload.slice()];
    if (flags === 1)
      return { state: { phase: 'collecting', next: sequence + 1, parts }, answer: frame({ kind: KIND_ACK, sequence }) };
    const whole = concat(...parts);
    return { ...replyFragment(double(whole), 0), handled: whole };
  }
  if (kind === KIND_PULL && flags === 0 && length === 0 && state.phase === 'replying' && state.next === sequence) {
    return replyFragment(state.reply, sequence);
  }
  return refuse;
}

/** Either a frame built from random fields (mostly near-valid), or plain noise. */
const arbitraryFrame = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: FRAME + 4 }) },
  {
    weight: 8,
    arbitrary: fc
      .record({
        kind: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(KIND_MESSAGE, KIND_PULL, KIND_ACK, KIND_REPLY) }, fc.nat(255)),
        flags: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, FLAG_CONTINUES) }, fc.nat(255)),
        sequence: fc.oneof({ weight: 6, arbitrary: fc.nat(4) }, fc.nat(2 ** 32 - 1)),
        size: fc.oneof({ weight: 3, arbitrary: fc.constant(P) }, fc.nat(P + 2)),
        lengthDelta: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.integer({ min: -3, max: 3 })),
        reserved: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.nat(0xffff)),
        seed: fc.nat(255),
      })
      .map(({ size, lengthDelta, seed, ...fields }) =>
        frame({ ...fields, payload: pattern(size, seed), length: Math.max(0, size + lengthDelta) }),
      ),
  },
);

/** The valid next frame for the model's state (so the runs get deep into exchanges), or a random one. */
type Step = { next: true; more: boolean; size: number } | { next: false; bytes: Uint8Array };
const arbitraryStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ next: fc.constant(true as const), more: fc.boolean(), size: fc.nat(P) }),
  fc.record({ next: fc.constant(false as const), bytes: arbitraryFrame }),
);

function validNext(state: ModelState, more: boolean, size: number): Uint8Array {
  if (state.phase === 'replying') return frame({ kind: KIND_PULL, sequence: state.next });
  const sequence = state.phase === 'collecting' ? state.next : 0;
  return frame(message(sequence, more, more ? P : size));
}

describe('random frames (fast-check)', () => {
  it('are refused with a FrameError or answered exactly as the model says, never anything else', () => {
    fc.assert(
      fc.property(fc.array(arbitraryStep, { maxLength: 40 }), (steps) => {
        const { channel, handled } = replier();
        const expectedHandled: Uint8Array[] = [];
        let state: ModelState = { phase: 'idle' };
        for (const step of steps) {
          const bytes = step.next ? validNext(state, step.more, step.size) : step.bytes;
          const predicted = modelStep(state, bytes);
          let answer: Uint8Array | undefined;
          try {
            answer = channel.receive(bytes);
          } catch (error) {
            if (!(error instanceof FrameError)) throw error;
          }
          expect(answer, `answer to ${Array.from(bytes.subarray(0, HEADER_SIZE))}`).toEqual(predicted.answer);
          if (predicted.handled) expectedHandled.push(predicted.handled);
          state = predicted.state;
        }
        expect(handled).toEqual(expectedHandled);
      }),
      { numRuns: 1000 },
    );
  });

  it('make a requester throw a FrameError or return a reply, never anything else', () => {
    fc.assert(
      fc.property(fc.array(arbitraryFrame, { minLength: 1, maxLength: 6 }), fc.nat(3 * P), (answers, size) => {
        let k = 0;
        const channel = makeChannel({
          transport: () => answers[k++] ?? frame({ kind: KIND_REPLY, sequence: k - 1 }),
          onMessage: (m) => m,
          frameSize: FRAME,
        });
        try {
          const reply = channel.request(pattern(size));
          expect(reply).toBeInstanceOf(Uint8Array);
        } catch (error) {
          if (!(error instanceof FrameError)) throw error;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
