// Endo's trap.test.js pattern: first prove that sizes the layout cannot hold are refused up front,
// then run the real protocol at the edge of what is allowed.
import {
  ChannelError,
  ChannelOptionsError,
  DEFAULT_MAX_MESSAGE_SIZE,
  FRAME_SIZE,
  HEADER_SIZE,
  MIN_FRAME_SIZE,
  makeChannel,
} from '@xsb/channel';
import { describe, expect, it } from 'vitest';
import { firstDifference, makePair, pattern, reverse } from './support.js';

const transport = (frame: Uint8Array) => frame;
const onMessage = (message: Uint8Array) => message;

/** The ChannelOptionsError makeChannel throws for these options. */
function refusal(options: unknown): ChannelOptionsError {
  try {
    makeChannel(options as Parameters<typeof makeChannel>[0]);
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelOptionsError);
    expect(error).toBeInstanceOf(ChannelError);
    return error as ChannelOptionsError;
  }
  throw new Error(`makeChannel accepted ${JSON.stringify(options)}`);
}

describe('options checked up front', () => {
  it('refuses a frameSize with no room for payload, quoting it and saying what fits', () => {
    expect(MIN_FRAME_SIZE).toBe(HEADER_SIZE + 1);
    for (const frameSize of [HEADER_SIZE, HEADER_SIZE - 1, 0, 1]) {
      const error = refusal({ transport, onMessage, frameSize });
      expect(error.name).toBe('ChannelOptionsError');
      expect(error.problems).toHaveLength(1);
      expect(error.message).toContain(`got ${frameSize}`);
      expect(error.message).toContain(`from ${MIN_FRAME_SIZE}`);
      expect(error.message).toContain(`FRAME_SIZE (${FRAME_SIZE})`);
    }
  });

  it('refuses frameSizes that are not whole numbers, or too large for a u32 LENGTH', () => {
    for (const frameSize of [-1, 100.5, Number.NaN, Number.POSITIVE_INFINITY, '65536', 2 ** 32 + HEADER_SIZE]) {
      expect(refusal({ transport, onMessage, frameSize }).problems.join()).toMatch(/^frameSize must be/);
    }
  });

  it('refuses a bad maxMessageSize, and one that needs more fragments than SEQUENCE counts', () => {
    for (const maxMessageSize of [-1, 1.5, Number.NaN, '1024']) {
      expect(refusal({ transport, onMessage, maxMessageSize }).problems.join()).toMatch(/^maxMessageSize must be/);
    }
    const error = refusal({ transport, onMessage, frameSize: MIN_FRAME_SIZE, maxMessageSize: 2 ** 32 + 1 });
    expect(error.message).toContain('2^32 fragments');
  });

  it('lists every problem at once, not just the first', () => {
    const error = refusal({ frameSize: 4, maxMessageSize: -1 });
    expect(error.problems).toHaveLength(4);
    expect(error.problems.map((p) => p.split(' ')[0])).toEqual(['transport', 'onMessage', 'frameSize', 'maxMessageSize']);
    expect(refusal(undefined).message).toContain('options must be an object');
  });

  it('accepts the defaults and returns a frozen channel', () => {
    const channel = makeChannel({ transport, onMessage });
    expect(Object.isFrozen(channel)).toBe(true);
    expect(Object.keys(channel).sort()).toEqual(['receive', 'receiveInRegion', 'request']);
    expect(DEFAULT_MAX_MESSAGE_SIZE).toBe(64 * 1024 * 1024);
  });
});

describe('then the real protocol', () => {
  it('runs at the smallest frame size: one byte per frame', () => {
    const pair = makePair(
      () => new Uint8Array(0),
      (m) => reverse(m),
      { frameSize: MIN_FRAME_SIZE },
    );
    const message = pattern(300, 7);
    expect(firstDifference(pair.a.request(message), reverse(message))).toBe(-1);
    // 300 MESSAGE frames (299 answered by ACK), then 300 REPLY frames (299 asked for by PULL)
    expect(pair.fromA.sent).toEqual({ MESSAGE: 300, PULL: 299 });
    expect(pair.fromA.answered).toEqual({ ACK: 299, REPLY: 300 });
    expect(pair.fromA.largest).toBe(MIN_FRAME_SIZE);
  });

  it('runs at the default frame size, never writing a frame larger than FRAME_SIZE', () => {
    const pair = makePair(
      () => new Uint8Array(0),
      (m) => reverse(m),
    );
    const message = pattern(3 * FRAME_SIZE, 1);
    expect(firstDifference(pair.a.request(message), reverse(message))).toBe(-1);
    expect(pair.fromA.largest).toBe(FRAME_SIZE);
  });
});
