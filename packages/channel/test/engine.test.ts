// The channel through the real engine: the package bundled for the guest and evaluated in an XS
// machine, the host's end driving machine.deliver(), the guest's end riding the pump's send().
import { fileURLToPath } from 'node:url';
import { type Channel, FRAME_SIZE, MAX_PAYLOAD, makeChannel } from '@xsb/channel';
import { type Engine, GuestError, type Handle, loadEngine, type Machine } from '@xsb/xs-wasm';
import { buildSync } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { concat, firstDifference, PERIOD, pattern, reverse } from './support.js';

const MiB = 1024 * 1024;
const timings = process.env.XSB_CHANNEL_TIMINGS !== undefined;

/** src/index.ts as one script for the guest: defines the global `xsbChannel`. */
const bundle = buildSync({
  entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
  bundle: true,
  format: 'iife',
  globalName: 'xsbChannel',
  write: false,
  target: 'es2022',
}).outputFiles[0]!.text;

// The guest's side of every test, in plain ECMAScript. Its first byte says what to do:
//   1  answer with the message reversed;
//   2  [2, seed, size as u32] — send the host pattern(size, seed), answer with the host's reply;
//   3  [3, n as u32, body] — the nested exchange of nesting.test.ts, level n.
// pattern() and the nested levels must match test/support.ts and the host's handler below.
const GUEST = `(send) => {
  const PERIOD = ${PERIOD};
  const pattern = (length, seed) => {
    const bytes = new Uint8Array(length);
    const first = Math.min(length, PERIOD);
    for (let i = 0; i < first; i++) bytes[i] = (i * 131 + (i >>> 8) + seed) & 0xff;
    for (let filled = first; filled < length; filled *= 2) bytes.copyWithin(filled, 0, Math.min(filled, length - filled));
    return bytes;
  };
  const same = (a, b) => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  const BIG_LEVELS = { 37: 150000, 62: 70000 };
  const size = (n) => BIG_LEVELS[n] ?? n % 7;
  const level = (n) => {
    const m = new Uint8Array(5 + size(n));
    m[0] = 3;
    new DataView(m.buffer).setUint32(1, n, true);
    m.set(pattern(size(n), n), 5);
    return m;
  };
  const onMessage = (message) => {
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    switch (message[0]) {
      case 1:
        return message.reverse(); // the channel's copy, ours to change
      case 2:
        return channel.request(pattern(view.getUint32(2, true), message[1]));
      case 3: {
        const n = view.getUint32(1, true);
        const body = message.subarray(5);
        if (!same(body, pattern(size(n), n))) throw new Error('guest: the body of level ' + n + ' arrived damaged');
        if (n === 0) return new Uint8Array([0]);
        const inner = channel.request(level(n - 1));
        const head = BIG_LEVELS[n] ? body.reverse() : new Uint8Array(0);
        const reply = new Uint8Array(1 + head.length + inner.length);
        reply[0] = n & 0xff;
        reply.set(head, 1);
        reply.set(inner, 1 + head.length);
        return reply;
      }
      default:
        throw new Error('guest: unknown op ' + message[0]);
    }
  };
  const { channel, receiver } = xsbChannel.connectGuest(send, onMessage);
  return receiver;
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
  m.evaluate(bundle);
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

describe('the channel in the real engine', () => {
  it('is bundled for the guest without anything outside ECMAScript', () => {
    for (const name of [
      'TextEncoder',
      'TextDecoder',
      'setTimeout',
      'queueMicrotask',
      'Buffer',
      'process',
      'require',
      'globalThis',
    ]) {
      expect(bundle, name).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
    expect(bundle).toMatch(/^(?:"use strict";\s*)?var xsbChannel = /);
  });

  it('carries host → guest messages of 1 B, 65,535 B, 65,536 B and 16 MiB, and the guest’s replies, byte-exact', () => {
    connect();
    hostHandler = () => {
      throw new Error('the host is not asked in this test');
    };
    for (const size of [1, 65_535, 65_536, 16 * MiB]) {
      const message = pattern(size, 1);
      message[0] = 1;
      delivered.frames = 0;
      const reply = time(`host → guest → host, ${size} B each way`, () => host.request(message));
      expect(reply.length, `${size}`).toBe(size);
      expect(firstDifference(reply, reverse(message)), `${size}`).toBe(-1);
      const fragments = Math.max(1, Math.ceil(size / MAX_PAYLOAD));
      // every fragment of the message goes out, then one PULL per reply fragment after the first
      expect(delivered.frames, `${size}`).toBe(2 * fragments - 1);
    }
    expect(delivered.largest).toBe(FRAME_SIZE);
  });

  it('carries guest → host messages of 1 B, 65,535 B, 65,536 B and 16 MiB, and the host’s replies, byte-exact', () => {
    connect();
    const seen: number[] = [];
    hostHandler = (message) => {
      seen.push(message.length);
      // the host checks what the guest sent, and answers with it reversed
      const expected = pattern(message.length, 2);
      if (firstDifference(message, expected) !== -1) throw new Error(`host: ${message.length} B arrived damaged`);
      return reverse(message);
    };
    for (const size of [1, 65_535, 65_536, 16 * MiB]) {
      // [2, seed, size as u32]
      const command = new Uint8Array(6);
      command.set([2, 2]);
      new DataView(command.buffer).setUint32(2, size, true);
      const reply = time(`guest → host → guest, ${size} B each way (+ back to the host)`, () => host.request(command));
      expect(firstDifference(reply, reverse(pattern(size, 2))), `${size}`).toBe(-1);
    }
    expect(seen).toEqual([1, 65_535, 65_536, 16 * MiB]);
  });

  it('nests host → guest → host → … 100 deep, with multi-frame messages and replies at levels 37 and 62', () => {
    connect();
    const BIG_LEVELS: Record<number, number> = { 37: 150_000, 62: 70_000 };
    const size = (n: number) => BIG_LEVELS[n] ?? n % 7;
    const level = (n: number) => {
      // [3, n as u32, body]
      const m = concat(new Uint8Array(5), pattern(size(n), n));
      m[0] = 3;
      new DataView(m.buffer).setUint32(1, n, true);
      return m;
    };
    const handled: number[] = [];
    hostHandler = (message) => {
      const n = new DataView(message.buffer, message.byteOffset).getUint32(1, true);
      handled.push(n);
      const body = message.subarray(5);
      if (message[0] !== 3 || firstDifference(body, pattern(size(n), n)) !== -1)
        throw new Error(`host: level ${n} arrived damaged`);
      if (n === 0) return new Uint8Array([0]);
      const inner = host.request(level(n - 1));
      return concat(new Uint8Array([n & 0xff]), BIG_LEVELS[n] ? reverse(body) : new Uint8Array(0), inner);
    };
    const expected = concat(
      ...Array.from({ length: 100 }, (_, i) => 100 - i).flatMap((n) => [
        new Uint8Array([n & 0xff]),
        BIG_LEVELS[n] ? reverse(pattern(size(n), n)) : new Uint8Array(0),
      ]),
      new Uint8Array([0]),
    );
    const reply = time('nested 100 deep', () => host.request(level(100)));
    expect(reply.length).toBe(101 + 150_000 + 70_000);
    expect(firstDifference(reply, expected)).toBe(-1);
    // the host handled the odd levels; the guest the even ones
    expect(handled).toEqual(Array.from({ length: 50 }, (_, i) => 99 - 2 * i));
    // and both ends are idle afterwards
    const again = pattern(MAX_PAYLOAD + 1, 3);
    again[0] = 1;
    expect(firstDifference(host.request(again), reverse(again))).toBe(-1);
  });

  it("brings a guest handler's error back to the host as the engine maps it, and carries on", () => {
    connect();
    expect(() => host.request(new Uint8Array([9]))).toThrow(GuestError);
    expect(() => host.request(new Uint8Array([9]))).toThrow(/guest: unknown op 9/);
    expect(host.request(new Uint8Array([1, 2, 3]))).toEqual(new Uint8Array([3, 2, 1]));
  });
});
