// Binary data crosses as its bytes (protocol.ts's BUFFER and VIEW), copied whole by the codecs and
// never byte by byte in guest JavaScript: a megabyte takes milliseconds and a few hundred meter
// units, where base64 took seconds and millions of units for an eighth of it.
import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

const MIB = 1 << 20;
// generous: what a crossing costs does not grow with its bytes (measured: 600 to 700 units and under
// 20 ms a megabyte, about what 128 KiB costs; base64 took 6 to 10 million units and up to 8 s for
// 128 KiB). Units, not time: the meter is the same on every machine.
const METER_BOUND = 100_000;

describe('binary data', () => {
  it('carries a megabyte of Uint8Array host → guest as its bytes, for a bounded meter', async () => {
    const { machine, run } = await guest();
    const sum = run(
      '(bytes) => bytes.length + ":" + bytes[0] + ":" + bytes[bytes.length - 1] + ":" + (bytes instanceof Uint8Array)',
    );
    const bytes = new Uint8Array(MIB).map((_, i) => i * 31);
    const before = machine.meterTotal;
    expect(sum(bytes)).toBe(`${MIB}:0:${((MIB - 1) * 31) & 255}:true`);
    expect(machine.meterTotal - before).toBeLessThan(METER_BOUND);
  });

  it('carries a megabyte of Uint8Array guest → host as its bytes, for a bounded meter', async () => {
    const { machine, run } = await guest();
    // made first: fill costs a unit a byte, the crossing does not
    run('var made = new Uint8Array(1 << 20).fill(7); made[0] = 1; made[made.length - 1] = 2;');
    const make = run('() => made');
    const before = machine.meterTotal;
    const bytes = make() as Uint8Array;
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([bytes.length, bytes[0], bytes[1], bytes[MIB - 1]]).toEqual([MIB, 1, 7, 2]);
    expect(machine.meterTotal - before).toBeLessThan(METER_BOUND);
  });

  it('carries every view of a window of its buffer, and an ArrayBuffer, as copies of their own', async () => {
    const { run } = await guest();
    const buffer = new Uint8Array(64).map((_, i) => i).buffer;
    const describe = run(
      '(v) => [Object.prototype.toString.call(v), v.byteLength, v.byteOffset ?? "-", (v.buffer ?? v).byteLength, [...new Uint8Array(v.buffer ?? v)].join()].join("|")',
    );
    const window = (View: new (b: ArrayBuffer, o: number, n: number) => ArrayBufferView, size: number) =>
      new View(buffer, 8, 16 / size);
    for (const [View, size] of [
      [Uint8Array, 1],
      [Int16Array, 2],
      [Float64Array, 8],
      [BigUint64Array, 8],
      [DataView, 1],
    ] as const) {
      const view = window(View as never, size);
      const name = View.name;
      const bytes = Array.from({ length: 16 }, (_, i) => i + 8).join();
      expect(describe(view)).toBe(`[object ${name}]|16|0|16|${bytes}`);
    }
    expect(describe(buffer)).toBe(`[object ArrayBuffer]|64|-|64|${Array.from({ length: 64 }, (_, i) => i).join()}`);
    // the guest's copy is its own: writing to it changes nothing here, and back
    const poke = run('(b) => { new Uint8Array(b)[0] = 99; return b }');
    const back = poke(buffer) as ArrayBuffer;
    expect([new Uint8Array(buffer)[0], new Uint8Array(back)[0]]).toEqual([0, 99]);
  });
});
