// connectGuest in Node.js, over a pump made by hand: what it hands the engine and what it refuses.
// The real engine runs it in engine.test.ts.
import { ChannelOptionsError, connectGuest, FrameError, HEADER_SIZE, KIND_REPLY, MAX_PAYLOAD, makeChannel } from '@xsb/channel';
import { describe, expect, it } from 'vitest';
import { decode, firstDifference, frame, KIND_NAME, pattern, reverse } from './support.js';

describe('connectGuest', () => {
  it('hands the pump ArrayBuffers of exactly one frame each, both ways', () => {
    const buffers: ArrayBuffer[] = [];
    // the host's end answers the guest's frames; its transport goes through the guest's receiver
    const host = makeChannel({
      transport: (f) => {
        const answer = guest.receiver(f.slice().buffer);
        buffers.push(answer);
        return new Uint8Array(answer);
      },
      onMessage: reverse,
    });
    const guest = connectGuest((buffer) => {
      expect(buffer).toBeInstanceOf(ArrayBuffer);
      buffers.push(buffer);
      return host.receive(new Uint8Array(buffer)).slice().buffer;
    }, reverse);
    expect(Object.isFrozen(guest)).toBe(true);
    const message = pattern(2 * MAX_PAYLOAD + 3, 4);
    expect(firstDifference(host.request(message), reverse(message))).toBe(-1);
    expect(firstDifference(guest.channel.request(message), reverse(message))).toBe(-1);
    expect(buffers.length).toBe(2 * 5);
    for (const buffer of buffers) {
      const { length, kind } = decode(new Uint8Array(buffer));
      expect(buffer.byteLength, KIND_NAME[kind]).toBe(HEADER_SIZE + length);
    }
  });

  it('passes its options to the channel, and refuses a send that is not a function', () => {
    expect(() => connectGuest(() => new ArrayBuffer(0), reverse, { frameSize: 8 })).toThrow(
      /frameSize must be an integer from 13/,
    );
    expect(() => connectGuest(undefined as never, reverse)).toThrow(ChannelOptionsError);
  });

  it('refuses a send that answers with something other than an ArrayBuffer, and a receiver given one', () => {
    const guest = connectGuest(() => new Uint8Array(frame({ kind: KIND_REPLY })) as never, reverse);
    expect(() => guest.channel.request(new Uint8Array(1))).toThrow(
      new FrameError('send() must answer with an ArrayBuffer, got a Uint8Array of 12 bytes'),
    );
    expect(() => guest.receiver(new Uint8Array(12) as never)).toThrow(/the pump must hand the receiver an ArrayBuffer/);
  });
});
