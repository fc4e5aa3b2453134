import { type Metering, meteringPlugin } from '@xsb/plugin-metering';
import { createSandbox, loadEngine, MemorySink, MeterExhaustedError, restoreSandbox } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

describe('meteringPlugin', () => {
  it('is named "metering", and frozen', () => {
    expect(meteringPlugin.name).toBe('metering');
    expect(Object.isFrozen(meteringPlugin)).toBe(true);
  });

  it('stops a call past its per-call budget; the guest cannot catch it; the sandbox carries on', () => {
    using sandbox = createSandbox({ engine, plugins: [[meteringPlugin, { perCall: 100_000 }]] });
    const metering = sandbox.plugins.metering as Metering;
    sandbox.evaluate('var caught = false, cleaned = false, progress = 0');
    expect(() => sandbox.evaluate('try { for (;;) progress++ } catch (e) { caught = true } finally { cleaned = true }')).toThrow(
      MeterExhaustedError,
    );
    // documented state after exhaustion: what the call did stays done, the rest never ran
    expect(sandbox.evaluate('[caught, cleaned, progress > 0].join()')).toBe('false,false,true');
    expect(sandbox.evaluate('1 + 1')).toBe(2);
    expect(metering.perCall).toBe(100_000);
    expect(metering.remaining).toBe(Number.POSITIVE_INFINITY);
  });

  it('spends a total budget, refuses calls once it is spent, and runs again after a refill', () => {
    using sandbox = createSandbox({ engine, plugins: [[meteringPlugin, { total: 500_000 }]] });
    const metering = sandbox.plugins.metering as Metering;
    sandbox.evaluate('var spin = (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s }');
    expect(metering.used).toBeGreaterThan(0);
    expect(() => sandbox.evaluate('spin(1e7)')).toThrow(MeterExhaustedError);
    expect(metering.remaining).toBe(0);
    expect(() => sandbox.evaluate('1')).toThrow(MeterExhaustedError);
    metering.refill(50_000);
    expect(metering.remaining).toBe(50_000);
    expect(sandbox.evaluate('spin(10)')).toBe(45);
    expect(metering.remaining).toBeLessThan(50_000);
    expect(() => metering.refill(-1)).toThrow(RangeError);
  });

  it('keeps what is used and left across a snapshot and restore', () => {
    const journal = new MemorySink();
    const sandbox = createSandbox({ engine, plugins: [[meteringPlugin, { total: 2_000_000, perCall: 1_000_000 }]], journal });
    sandbox.evaluate('let s = 0; for (let i = 0; i < 20000; i++) s += i; s');
    const metering = sandbox.plugins.metering as Metering;
    const { used, remaining } = metering;
    const snapshot = sandbox.snapshot();
    sandbox.dispose();
    for (const restored of [
      restoreSandbox({ engine, journal: journal.bytes(), snapshot, plugins: [[meteringPlugin, { total: 2_000_000 }]] }).sandbox,
      restoreSandbox({ engine, journal: journal.bytes(), plugins: [[meteringPlugin, { total: 2_000_000 }]] }).sandbox,
    ]) {
      const m = restored.plugins.metering as Metering;
      expect(m.used).toBe(used);
      expect(m.remaining).toBe(remaining);
      expect(m.perCall).toBe(1_000_000);
      restored.dispose();
    }
  });

  it('gives the guest no way to its meter', () => {
    using sandbox = createSandbox({ engine, plugins: [[meteringPlugin, { perCall: 1_000_000 }]] });
    const names = sandbox.evaluate(
      'Object.getOwnPropertyNames(globalThis).filter((n) => /meter|metering|gas|budget/i.test(n)).join()',
    );
    expect(names).toBe('');
    expect(sandbox.evaluate('typeof currentMeterLimit + typeof resetMeter + typeof gc')).toBe('undefinedundefinedundefined');
  });
});
