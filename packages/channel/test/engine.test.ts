// The channel through the real engine: the host's end (makeChannel) drives machine.deliver() and
// answers the machine's onMessage; the guest's end is the engine's own, in C (@xsb/xs-wasm's
// c/xsb.c), which hands the guest each whole message as a string and takes its reply as one.
import { type Channel, FRAME_SIZE, MAX_PAYLOAD, makeChannel } from '@xsb/channel';
import { decodeCesu8, type Engine, encodeCesu8, GuestError, type Handle, loadEngine, type Machine } from '@xsb/xs-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { firstDifference, TEXT_PERIOD, TEXT_PERIOD_BYTES, textPattern } from './support.js';

const MiB = 1024 * 1024;
const timings = process.env.XSB_CHANNEL_TIMINGS !== undefined;

/** The first character moved to the end: the reply changes if any byte of the message did. */
const rotate = (text: string): string => text.slice(1) + text.slice(0, 1);

// The guest's side of every test, in plain ECMAScript, on strings. Its first character says what
// to do:
//   R…                 answer with the message rotated;
//   "2 seed size"      send the host textPattern(size, seed), answer with the host's reply;
//   "3 n|body"         the nested exchange of level n (see the nesting test).
// textPattern must match test/support.ts; the levels, the host's handler below.
const GUEST = `(send) => {
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

let xs: Engine;
let m: Machine;
let host: Channel;
/** What the host does with the guest's messages; each test sets it. */
let hostHandler: (message: Uint8Array) => Uint8Array;
/** Frames through machine.deliver, and the largest. */
let delivered = { frames: 0, largest: 0 };

beforeAll(async () => {
  xs = await loadEngine();
});

function connect(): void {
  m = xs.createMachine({ onMessage: (frame) => host.receive(frame) });
  host = makeChannel({
    transport: (frame) => {
      delivered.frames++;
      delivered.largest = Math.max(delivered.largest, frame.length);
      return m.deliver(frame);
    },
    onMessage: (message) => hostHandler(message),
  });
  m.connect(m.evaluate(GUEST) as Handle);
  delivered = { frames: 0, largest: 0 };
}

afterEach(() => m?.dispose());

function time<T>(label: string, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  if (timings) console.log(`${label}: ${(performance.now() - start).toFixed(0)} ms`);
  return result;
}

const SIZES = [1, 65_535, 65_536, 16 * MiB];

describe('the channel with the engine’s guest end', () => {
  it('carries host → guest messages of 1 B, 65,535 B, 65,536 B and 16 MiB, and the guest’s replies, exact', () => {
    connect();
    hostHandler = () => {
      throw new Error('the host is not asked in this test');
    };
    for (const size of SIZES) {
      const text = `R${textPattern(size - 1, 1)}`;
      const message = encodeCesu8(text);
      expect(message.length, `${size}`).toBe(size);
      delivered.frames = 0;
      const reply = time(`host → guest → host, ${size} B each way`, () => host.request(message));
      expect(reply.length, `${size}`).toBe(size);
      expect(firstDifference(reply, encodeCesu8(rotate(text))), `${size}`).toBe(-1);
      const fragments = Math.max(1, Math.ceil(size / MAX_PAYLOAD));
      // every fragment of the message goes out, then one PULL per reply fragment after the first
      expect(delivered.frames, `${size}`).toBe(2 * fragments - 1);
    }
    expect(delivered.largest).toBe(FRAME_SIZE);
  });

  it('carries guest → host messages of 1 B, 65,535 B, 65,536 B and 16 MiB, and the host’s replies, exact', () => {
    connect();
    const seen: number[] = [];
    hostHandler = (message) => {
      seen.push(message.length);
      // the host checks what the guest sent, and answers with it rotated
      const expected = textPattern(message.length, 2);
      if (firstDifference(message, encodeCesu8(expected)) !== -1) throw new Error(`host: ${message.length} B arrived damaged`);
      return encodeCesu8(rotate(expected));
    };
    for (const size of SIZES) {
      const reply = time(`guest → host → guest, ${size} B each way (+ back to the host)`, () =>
        host.request(encodeCesu8(`2 2 ${size}`)),
      );
      expect(firstDifference(reply, encodeCesu8(rotate(textPattern(size, 2)))), `${size}`).toBe(-1);
    }
    expect(seen).toEqual(SIZES);
  });

  it('nests host → guest → host → … 100 deep, with multi-frame messages and replies at levels 37 and 62', () => {
    connect();
    const BIG_LEVELS: Record<number, number> = { 37: 150_000, 62: 70_000 };
    const size = (n: number) => BIG_LEVELS[n] ?? n % 7;
    const level = (n: number) => `3 ${n}|${textPattern(size(n), n)}`;
    const handled: number[] = [];
    hostHandler = (message) => {
      const text = decodeCesu8(message);
      const bar = text.indexOf('|');
      const n = Number(text.slice(2, bar));
      handled.push(n);
      const body = text.slice(bar + 1);
      if (!text.startsWith('3 ') || body !== textPattern(size(n), n)) throw new Error(`host: level ${n} arrived damaged`);
      if (n === 0) return encodeCesu8('0');
      const inner = decodeCesu8(host.request(encodeCesu8(level(n - 1))));
      return encodeCesu8(`${n},${BIG_LEVELS[n] ? rotate(body) : ''}${inner}`);
    };
    const expected = `${Array.from({ length: 100 }, (_, i) => 100 - i)
      .map((n) => `${n},${BIG_LEVELS[n] ? rotate(textPattern(size(n), n)) : ''}`)
      .join('')}0`;
    // the two big levels cross in several frames: their messages, and the replies that carry them back
    expect([encodeCesu8(level(37)).length, encodeCesu8(level(62)).length].every((n) => n > MAX_PAYLOAD)).toBe(true);
    const reply = time('nested 100 deep', () => host.request(encodeCesu8(level(100))));
    expect(reply.length).toBe(encodeCesu8(expected).length);
    expect(reply.length).toBeGreaterThan(150_000 + 70_000);
    expect(firstDifference(reply, encodeCesu8(expected))).toBe(-1);
    // the host handled the odd levels; the guest the even ones
    expect(handled).toEqual(Array.from({ length: 50 }, (_, i) => 99 - 2 * i));
    // and both ends are idle afterwards
    const again = `R${textPattern(MAX_PAYLOAD, 3)}`;
    expect(firstDifference(host.request(encodeCesu8(again)), encodeCesu8(rotate(again)))).toBe(-1);
  });

  it("brings a guest handler's error back to the host as the engine maps it, and carries on", () => {
    connect();
    expect(() => host.request(encodeCesu8('9'))).toThrow(GuestError);
    expect(() => host.request(encodeCesu8('9'))).toThrow(/guest: unknown op 9/);
    expect(decodeCesu8(host.request(encodeCesu8('Rabc')))).toBe('abcR');
  });
});
