// The channel through the real engine: the host's end (makeChannel) drives the machine and answers
// its frames; the guest's end is the engine's own, in C (@xsb/xs-wasm's c/xsb.c, c/xsb_wire.c),
// which hands the guest each whole message decoded from the membrane's wire and encodes its reply.
// The guest here speaks text in the envelope of support.ts (APPLY to #0 with the text; OK with the
// text), so sizes below are the sizes of those messages, envelope included. Every test runs over
// both of the host end's transports: frames copied through machine.deliver() and onMessage, and
// frames written and read in place in the engine's scratch (Machine.scratch and onFrame).
import { type Channel, FRAME_SIZE, HEADER_SIZE, MAX_PAYLOAD, makeChannel } from '@xsb/channel';
import { type Engine, GuestError, type Handle, loadEngine, type Machine } from '@xsb/xs-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  errorOfReply,
  firstDifference,
  TEXT_MESSAGE_OVERHEAD,
  TEXT_PERIOD,
  TEXT_PERIOD_BYTES,
  TEXT_REPLY_OVERHEAD,
  textMessage,
  textOfMessage,
  textOfReply,
  textPattern,
  textReply,
} from './support.js';

const MiB = 1024 * 1024;
const timings = process.env.XSB_CHANNEL_TIMINGS !== undefined;

/** The first character moved to the end: the reply changes if any byte of the message did. */
const rotate = (text: string): string => text.slice(1) + text.slice(0, 1);
/** Bytes of UTF-8 (CESU-8 for the texts here, which have no surrogates). */
const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');
/** Frames for a message or reply of `size` bytes: a message of 0 bytes is one fragment too. */
const fragments = (size: number): number => Math.max(1, Math.ceil(size / MAX_PAYLOAD));

// The guest's side of every test, in plain ECMAScript, on strings: `send(text)` sends the host a
// text message and returns the text of its reply; `rawSend(request)` sends a request structure
// and returns the reply structure. The message's first character says what to do:
//   R…                   answer with the message rotated;
//   "2 seed length"      send the host textPattern(length, seed), answer with the host's reply;
//   K                    send the smallest request there is ({op: 'keys', t: undefined}, 2 bytes);
//   H                    send, and answer with the error the host's failing handler became;
//   "3 n|body"           the nested exchange of level n (see the nesting test).
// textPattern must match test/support.ts; the levels, the host's handler below.
const GUEST = `(send, rawSend) => {
  const periods = new Map();
  const period = (seed) => {
    if (!periods.has(seed)) {
      const units = [];
      for (let i = 0; i < ${TEXT_PERIOD}; i++) {
        const width = i % 3;
        const unit = width === 0 ? 0x21 + ((i * 7 + seed) % 94) : width === 1 ? 0xa0 + ((i * 13 + seed) % 0x660) : 0x800 + ((i * 31 + seed) % 0xd000);
        units.push(String.fromCharCode(unit));
      }
      periods.set(seed, units.join(''));
    }
    return periods.get(seed);
  };
  const textPattern = (size, seed) => {
    const rest = size % ${TEXT_PERIOD_BYTES};
    const triples = Math.floor(rest / 6);
    return period(seed).repeat(Math.floor(size / ${TEXT_PERIOD_BYTES})) + period(seed).slice(0, 3 * triples) + '~'.repeat(rest - 6 * triples);
  };
  const rotate = (text) => text.slice(1) + text.slice(0, 1);
  const BIG_LEVELS = { 37: 150000, 62: 70000 };
  const size = (n) => BIG_LEVELS[n] ?? n % 7;
  const level = (n) => '3 ' + n + '|' + textPattern(size(n), n);
  return (message) => {
    switch (message[0]) {
      case 'R':
        return rotate(message);
      case '2': {
        const [, seed, length] = message.split(' ').map(Number);
        return send(textPattern(length, seed));
      }
      case 'K': {
        const reply = rawSend({ op: 'keys', t: undefined });
        return 'K ' + Object.keys(reply).join() + ' ' + reply.ok;
      }
      case 'H':
        try {
          return 'sent ' + send('H');
        } catch (e) {
          return (e instanceof Error) + ' ' + e.name + ': ' + e.message;
        }
      case '3': {
        const bar = message.indexOf('|');
        const n = Number(message.slice(2, bar));
        const body = message.slice(bar + 1);
        if (body !== textPattern(size(n), n)) throw new Error('guest: the body of level ' + n + ' arrived damaged');
        if (n === 0) return '0';
        const inner = send(level(n - 1));
        return n + ',' + (BIG_LEVELS[n] ? rotate(body) : '') + inner;
      }
      default:
        throw new Error('guest: unknown op ' + message[0]);
    }
  };
}`;

/** The guest's pump: the text receiver above, in the envelope (support.ts's textMessage, textReply). */
const PUMP = `(rawSend) => {
  const send = (text) => {
    const reply = rawSend({ op: 'apply', t: { $: 'd', id: 0 }, self: undefined, args: [text] });
    if (!('ok' in reply)) throw new Error('the host answered ERR ' + JSON.stringify(reply.err));
    return reply.ok;
  };
  const receiver = (${GUEST})(send, rawSend);
  return (request) => ({ ok: receiver(request.args[0]) });
}`;

let xs: Engine;
let m: Machine | undefined;
let host: Channel;
/** What the host does with the guest's messages; each test sets it. */
let hostHandler: (message: Uint8Array) => Uint8Array;
/** Frames the host sent the guest (each answered), frames the guest sent the host, and the largest either way. */
let traffic = { delivered: 0, received: 0, largest: 0 };

beforeAll(async () => {
  xs = await loadEngine();
});

afterEach(() => {
  m?.dispose();
  m = undefined;
});

const note = (length: number): void => {
  traffic.largest = Math.max(traffic.largest, length);
};

const onMessage = (message: Uint8Array) => hostHandler(message);

/** A machine with the pump connected, and the host's end of the channel to it over `transport`. */
function connect(transport: Transport): Machine {
  if (transport === 'transport') {
    const machine = xs.createMachine({
      onMessage: (frame) => {
        traffic.received++;
        note(frame.length);
        const answer = host.receive(frame);
        note(answer.length);
        return answer;
      },
    });
    host = makeChannel({
      transport: (frame) => {
        traffic.delivered++;
        note(frame.length);
        const answer = machine.deliver(frame);
        note(answer.length);
        return answer;
      },
      onMessage,
    });
    m = machine;
  } else {
    const machine = xs.createMachine({
      onMessage: () => {
        throw new Error('onMessage is not called: onFrame takes the guest’s frames');
      },
    });
    const scratch = machine.scratch;
    expect(scratch.bytes().length).toBe(FRAME_SIZE);
    host = makeChannel({
      region: {
        bytes: () => scratch.bytes(),
        exchange: (length) => {
          traffic.delivered++;
          note(length);
          const answer = scratch.exchange(length);
          note(answer);
          return answer;
        },
      },
      onMessage,
    });
    machine.onFrame = (length) => {
      traffic.received++;
      note(length);
      const answer = host.receiveInRegion(length);
      note(answer);
      return answer;
    };
    m = machine;
  }
  m.connect(m.evaluate(PUMP) as Handle);
  traffic = { delivered: 0, received: 0, largest: 0 };
  return m;
}

function time<T>(label: string, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  if (timings) console.log(`${label}: ${(performance.now() - start).toFixed(0)} ms`);
  return result;
}

/** Whole message sizes (envelope included): a frame's payload, one byte more, and the sizes about 64 KiB and past it. */
const SIZES = [MAX_PAYLOAD, MAX_PAYLOAD + 1, 65_535, 65_536, 16 * MiB];

type Transport = 'transport' | 'region';

describe.each<Transport>(['transport', 'region'])('the channel with the engine’s guest end, through a %s', (transport) => {
  it('carries a 1-byte message to the guest, which the engine answers with a ProtocolError, exact', () => {
    connect(transport);
    hostHandler = () => {
      throw new Error('the host is not asked in this test');
    };
    // no request of the wire is one byte long (APPLY alone lacks its operands)
    const reply = host.request(new Uint8Array([9]));
    expect(traffic.delivered).toBe(1);
    expect(errorOfReply(reply)).toMatchObject({ name: 'ProtocolError', stack: '' });
    expect(errorOfReply(reply).message).toMatch(/^message byte 1 of 1/);
  });

  it('carries host → guest messages of the smallest text, 65,524 B, 65,525 B, 65,535 B, 65,536 B and 16 MiB, and the guest’s replies, exact', () => {
    connect(transport);
    hostHandler = () => {
      throw new Error('the host is not asked in this test');
    };
    for (const size of [TEXT_MESSAGE_OVERHEAD + 1, ...SIZES]) {
      const text = `R${textPattern(size - TEXT_MESSAGE_OVERHEAD - 1, 1)}`;
      const message = textMessage(text);
      expect(message.length, `${size}`).toBe(size);
      traffic.delivered = 0;
      const reply = time(`host → guest → host, ${size} B each way`, () => host.request(message));
      // the reply is OK with the rotated text, as long as the text
      expect(reply.length, `${size}`).toBe(size - TEXT_MESSAGE_OVERHEAD + TEXT_REPLY_OVERHEAD);
      expect(firstDifference(reply, textReply(rotate(text))), `${size}`).toBe(-1);
      // every fragment of the message goes out, then one PULL per reply fragment after the first
      expect(traffic.delivered, `${size}`).toBe(fragments(size) + fragments(reply.length) - 1);
      expect(traffic.received, `${size}`).toBe(0);
    }
    expect(traffic.largest).toBe(FRAME_SIZE);
  });

  it('carries guest → host messages of 2 B, 65,524 B, 65,525 B, 65,535 B, 65,536 B and 16 MiB, and the host’s replies, exact', () => {
    connect(transport);
    const seen: number[] = [];
    // the smallest request the guest can send, and the smallest reply: OK true
    hostHandler = (message) => {
      seen.push(message.length);
      expect(Array.from(message)).toEqual([5, 0]);
      return new Uint8Array([64, 3]);
    };
    expect(textOfReply(host.request(textMessage('K')))).toBe('K ok true');
    expect(traffic.received).toBe(1);
    hostHandler = (message) => {
      seen.push(message.length);
      // the host checks what the guest sent, and answers with it rotated
      const expected = textPattern(message.length - TEXT_MESSAGE_OVERHEAD, 2);
      if (textOfMessage(message) !== expected) throw new Error(`host: ${message.length} B arrived damaged`);
      return textReply(rotate(expected));
    };
    for (const size of SIZES) {
      traffic.received = 0;
      const length = size - TEXT_MESSAGE_OVERHEAD;
      const reply = time(`guest → host → guest, ${size} B each way (+ back to the host)`, () =>
        host.request(textMessage(`2 2 ${length}`)),
      );
      const rotated = rotate(textPattern(length, 2));
      expect(firstDifference(reply, textReply(rotated)), `${size}`).toBe(-1);
      // the guest's message in full frames, then PULLs for the host's reply, as long as its text
      const hostReply = TEXT_REPLY_OVERHEAD + length;
      expect(traffic.received, `${size}`).toBe(fragments(size) + fragments(hostReply) - 1);
    }
    expect(seen).toEqual([2, ...SIZES]);
    expect(traffic.largest).toBe(FRAME_SIZE);
  });

  it('nests host → guest → host → … 100 deep, with multi-frame messages and replies at levels 37 and 62', () => {
    connect(transport);
    const BIG_LEVELS: Record<number, number> = { 37: 150_000, 62: 70_000 };
    const size = (n: number) => BIG_LEVELS[n] ?? n % 7;
    const level = (n: number) => `3 ${n}|${textPattern(size(n), n)}`;
    const handled: number[] = [];
    hostHandler = (message) => {
      const text = textOfMessage(message);
      const bar = text.indexOf('|');
      const n = Number(text.slice(2, bar));
      handled.push(n);
      const body = text.slice(bar + 1);
      if (!text.startsWith('3 ') || body !== textPattern(size(n), n)) throw new Error(`host: level ${n} arrived damaged`);
      if (n === 0) return textReply('0');
      const inner = textOfReply(host.request(textMessage(level(n - 1))));
      return textReply(`${n},${BIG_LEVELS[n] ? rotate(body) : ''}${inner}`);
    };
    const expected = `${Array.from({ length: 100 }, (_, i) => 100 - i)
      .map((n) => `${n},${BIG_LEVELS[n] ? rotate(textPattern(size(n), n)) : ''}`)
      .join('')}0`;
    // the two big levels cross in several frames: their messages, and the replies that carry them back
    expect([textMessage(level(37)).length, textMessage(level(62)).length].every((n) => n > MAX_PAYLOAD)).toBe(true);
    const reply = time('nested 100 deep', () => host.request(textMessage(level(100))));
    expect(reply.length).toBe(TEXT_REPLY_OVERHEAD + utf8Length(expected));
    expect(reply.length).toBeGreaterThan(150_000 + 70_000);
    expect(firstDifference(reply, textReply(expected))).toBe(-1);
    // the host handled the odd levels; the guest the even ones
    expect(handled).toEqual(Array.from({ length: 50 }, (_, i) => 99 - 2 * i));
    // frames went both ways, none larger than the scratch
    expect(traffic.received).toBeGreaterThan(50);
    expect(traffic.largest).toBe(FRAME_SIZE);
    // and both ends are idle afterwards
    const again = `R${textPattern(MAX_PAYLOAD, 3)}`;
    expect(firstDifference(host.request(textMessage(again)), textReply(rotate(again)))).toBe(-1);
  });

  it("brings a guest receiver's throw back to the host as a GuestError, not an ERR reply, and carries on", () => {
    const machine = connect(transport);
    hostHandler = () => {
      throw new Error('the host is not asked in this test');
    };
    let error: unknown;
    try {
      host.request(textMessage('9'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GuestError);
    expect((error as GuestError).guestName).toBe('Error');
    expect((error as GuestError).message).toBe('guest: unknown op 9');
    // a multi-frame message the receiver throws on: the error comes from its last MESSAGE
    traffic.delivered = 0;
    expect(() => host.request(textMessage(`9${textPattern(2 * MAX_PAYLOAD, 4)}`))).toThrow(/guest: unknown op 9/);
    expect(traffic.delivered).toBe(3);
    // both ends carry on
    expect(textOfReply(host.request(textMessage('Rabc')))).toBe('abcR');
    expect(machine.evaluate('1 + 1')).toBe(2);
  });

  it("brings the host handler's error to the guest as an Error it can catch, and carries on", () => {
    connect(transport);
    hostHandler = () => {
      throw new Error('host says no');
    };
    expect(textOfReply(host.request(textMessage('H')))).toBe('true Error: host: host says no');
    hostHandler = (message) => textReply(`got ${textOfMessage(message)}`);
    expect(textOfReply(host.request(textMessage('H')))).toBe('sent got H');
  });
});

describe('the region', () => {
  it('is the scratch: the host’s frames are written where the engine reads them', () => {
    connect('region');
    hostHandler = () => {
      throw new Error('the host is not asked in this test');
    };
    const scratch = m!.scratch;
    const reply = host.request(textMessage('Rxyz'));
    // the last frame in the scratch is the guest's REPLY, and the reply is a copy of its payload
    const frame = scratch.bytes();
    expect(frame.subarray(HEADER_SIZE, HEADER_SIZE + reply.length)).toEqual(reply);
    frame.fill(0, 0, HEADER_SIZE + reply.length);
    expect(textOfReply(reply)).toBe('xyzR');
  });
});
