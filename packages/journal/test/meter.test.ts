import { MemorySink, restoreJournaled, startJournaled } from '@xsb/journal';
import { MeterExhaustedError } from '@xsb/xs-wasm';
import { describe, expect, it } from 'vitest';
import { freshEngine, sharedEngine } from './support.js';

describe('the meter, journaled', () => {
  it('limits each call, spends a budget, refuses calls past it, and replays the same', async () => {
    const sink = new MemorySink();
    const original = startJournaled(await sharedEngine(), { sink });
    const run = (source: string) => original.membrane.evaluateScript(source);
    run('var spin = (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s }');
    original.setMeter({ limit: 200_000, budget: 1_000_000 });
    const spin = run('spin') as (n: number) => number;
    expect(spin(1_000)).toBe(499_500);
    // one call past the per-call limit: stopped, and the guest could not catch it
    expect(() => spin(1e7)).toThrow(MeterExhaustedError);
    const used = original.meter.used;
    expect(original.meter).toMatchObject({ limit: 200_000 });
    // spend the rest of the budget, then calls are refused before the guest runs
    for (let i = 0; i < 10 && original.meter.budget! > original.meter.used; i++) {
      try {
        spin(1e7);
      } catch (error) {
        expect(error).toBeInstanceOf(MeterExhaustedError);
      }
    }
    expect(original.meter.used).toBeGreaterThanOrEqual(original.meter.budget!);
    expect(() => spin(1)).toThrow(MeterExhaustedError);
    expect(original.meter.used).toBeGreaterThan(used);
    const journal = sink.bytes();
    const state = original.meter;
    const expected = original.snapshot();

    const { journaled } = restoreJournaled(await freshEngine(), { journal });
    expect(journaled.meter).toEqual(state);
    expect(journaled.snapshot()).toEqual(expected);
    // a refill lets it run again
    journaled.setMeter({ budget: 100_000 });
    expect(journaled.membrane.evaluateScript('spin(10)')).toBe(45);
  });

  it('keeps the budget left across a snapshot and restore', async () => {
    const sink = new MemorySink();
    const [engine, restoring] = [await sharedEngine(), await freshEngine()];
    const original = startJournaled(engine, { sink });
    original.setMeter({ budget: 5_000_000 });
    original.membrane.evaluateScript('let s = 0; for (let i = 0; i < 10000; i++) s += i; s');
    // read together, with no await between: while the test waits, the host's collector may
    // release proxies, and the journal (and the meter) would go on without `before`
    const snapshot = original.snapshot();
    const before = original.meter;
    const { journaled } = restoreJournaled(restoring, { journal: sink.bytes(), snapshot });
    expect(journaled.meter.budget).toBe(before.budget);
    expect(journaled.meter.used).toBe(before.used);
    expect(journaled.meter.budget! - journaled.meter.used).toBeGreaterThan(4_000_000);
  });
});
