import { describe, expect, it } from 'vitest';
import { engine } from './engine.js';

describe('many machines', () => {
  it('creates, uses and disposes 1,000 machines with flat memory', async () => {
    const xs = await engine();
    const cycle = () => {
      const m = xs.createMachine();
      expect(m.evaluate('[1, 2, 3].map((x) => x * 2).join()')).toBe('2,4,6');
      m.dispose();
      expect(() => m.evaluate('1')).toThrow(/disposed/);
    };
    for (let i = 0; i < 100; i++) cycle();
    const warm = xs.wasmMemoryBytes;
    for (let i = 0; i < 1000; i++) cycle();
    expect(xs.wasmMemoryBytes).toBe(warm);
  });

  it('keeps an idle machine under 1 MiB of wasm memory', async () => {
    const xs = await engine();
    const before = xs.wasmMemoryBytes;
    const machines = Array.from({ length: 64 }, () => xs.createMachine());
    const perMachine = (xs.wasmMemoryBytes - before) / machines.length;
    const heldByOne = machines[0]!.memoryUsed;
    expect(heldByOne).toBeLessThan(1024 * 1024);
    expect(perMachine).toBeLessThan(1024 * 1024);
    for (const m of machines) m.dispose();
  });
});
