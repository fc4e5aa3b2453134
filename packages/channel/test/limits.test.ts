import {
  ChannelError,
  FLAG_CONTINUES,
  HEADER_SIZE,
  KIND_ACK,
  KIND_MESSAGE,
  KIND_REPLY,
  MessageTooLargeError,
  makeChannel,
} from '@xsb/channel';
import { describe, expect, it } from 'vitest';
import { decode, frame, makePair, pattern } from './support.js';

const LIMIT = 100;
const FRAME = HEADER_SIZE + 40; // 40 bytes of payload per frame

function caught(fn: () => unknown): MessageTooLargeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect(error).toBeInstanceOf(ChannelError);
    return error as MessageTooLargeError;
  }
  throw new Error('expected a MessageTooLargeError');
}

describe('maxMessageSize', () => {
  it('is checked by the sender before a single frame goes out', () => {
    const pair = makePair(
      (m) => m,
      (m) => m,
      { maxMessageSize: LIMIT, frameSize: FRAME },
    );
    expect(pair.a.request(pattern(LIMIT)).length).toBe(LIMIT); // exactly the limit is fine
    pair.reset();
    const error = caught(() => pair.a.request(pattern(LIMIT + 1)));
    expect(error.name).toBe('MessageTooLargeError');
    expect([error.size, error.limit]).toEqual([LIMIT + 1, LIMIT]);
    expect(error.message).toBe(
      `a message is ${LIMIT + 1} bytes, more than maxMessageSize (${LIMIT} bytes); send less, or give both channels a larger maxMessageSize`,
    );
    expect(pair.fromA.sent).toEqual({});
  });

  it('is checked by the receiver as fragments accumulate, before the last one', () => {
    const seen: Uint8Array[] = [];
    const b = makeChannel({ transport: (f) => f, onMessage: (m) => (seen.push(m), m), maxMessageSize: LIMIT, frameSize: FRAME });
    const fragment = (sequence: number, length: number, more: boolean) =>
      frame({ kind: KIND_MESSAGE, sequence, flags: more ? FLAG_CONTINUES : 0, payload: pattern(length, sequence) });
    expect(decode(b.receive(fragment(0, 40, true)))).toMatchObject({ kind: KIND_ACK, sequence: 0, length: 0 });
    expect(decode(b.receive(fragment(1, 40, true)))).toMatchObject({ kind: KIND_ACK, sequence: 1 });
    // the third fragment takes the message to 120 bytes: refused though more would follow
    const error = caught(() => b.receive(fragment(2, 40, true)));
    expect([error.size, error.limit]).toEqual([120, LIMIT]);
    expect(error.message).toContain('an incoming message is 120 bytes (so far), more than maxMessageSize (100 bytes)');
    // a final fragment that goes one byte over, after two that fit
    b.receive(fragment(0, 40, true));
    b.receive(fragment(1, 40, true));
    expect(caught(() => b.receive(fragment(2, 21, false))).size).toBe(101);
    expect(seen).toEqual([]);
    // the receiver is clean afterwards: a message of exactly the limit goes through
    b.receive(fragment(0, 40, true));
    b.receive(fragment(1, 40, true));
    expect(decode(b.receive(fragment(2, 20, false)))).toMatchObject({ kind: KIND_REPLY, flags: FLAG_CONTINUES, length: 40 });
    expect(seen.map((m) => m.length)).toEqual([LIMIT]);
  });

  it('is checked on a reply: by the side that would send it, and by the side collecting it', () => {
    // B's handler returns more than B's limit: the error leaves B's receive(), and A's request()
    const big = makePair(
      (m) => m,
      () => pattern(LIMIT + 1),
      { maxMessageSize: LIMIT, frameSize: FRAME },
    );
    const fromB = caught(() => big.a.request(new Uint8Array(1)));
    expect(fromB.message).toContain(`the reply onMessage returned is ${LIMIT + 1} bytes, more than`);
    // A allows less than B sends: A refuses the reply as its fragments arrive
    const mismatched = makePair(
      (m) => m,
      () => pattern(4 * LIMIT),
      { maxMessageSize: LIMIT, frameSize: FRAME },
      { maxMessageSize: 10 * LIMIT, frameSize: FRAME },
    );
    const fromA = caught(() => mismatched.a.request(new Uint8Array(1)));
    expect([fromA.size, fromA.limit]).toEqual([120, LIMIT]);
    expect(fromA.message).toContain('a reply is 120 bytes (so far)');
    expect(mismatched.fromA.sent).toEqual({ MESSAGE: 1, PULL: 2 });
  });
});
