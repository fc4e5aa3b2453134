import { RevokedError } from '@xsb/membrane';
import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

const collect = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
};

describe('lifetimes', () => {
  it('releases ids when the host collects its proxies, and keeps both tables bounded', async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    const { run, membrane } = await guest();
    const make = run('(i) => ({ i })');
    const sizes: number[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 500; i++) expect(make(i).i).toBe(i);
      await collect();
      membrane.flushReleases();
      const { dry, wet } = membrane.stats();
      sizes.push(Math.max(dry.imported, wet.exported));
    }
    // 10,000 proxies made and dropped; what is left is what the last rounds have not yet released
    expect(Math.max(...sizes.slice(5))).toBeLessThan(2000);
  }, 120_000);

  it('releases ids when the guest collects its proxies, and keeps both tables bounded', async () => {
    const { run, membrane, machine } = await guest();
    membrane.defineGlobals({ make: (i: number) => ({ i }) });
    const sizes: number[] = [];
    for (let round = 0; round < 20; round++) {
      // each call from the host ends with the guest's job checkpoint, where its registry reports
      expect(run('let s = 0; for (let i = 0; i < 500; i++) s += make(i).i; s')).toBe(124750);
      // XS lets WeakRefs go only in collections the host asks for (see Machine.collectGarbage)
      machine.collectGarbage();
      await collect();
      const { dry, wet } = membrane.stats();
      sizes.push(Math.max(wet.imported, dry.exported));
    }
    expect(Math.max(...sizes.slice(5))).toBeLessThan(2000);
  }, 120_000);

  it('keeps an object alive while the other side holds it, across many sends', async () => {
    const { run } = await guest();
    const keep = run('var kept = []; (o) => { kept.push(o); return kept.length }');
    const host = { alive: true };
    for (let i = 0; i < 5; i++) keep(host);
    await collect();
    expect(run('kept.every((o) => o === kept[0]) && kept[0].alive')).toBe(true);
  });

  it('revokes every proxy, both ways, when the membrane ends', async () => {
    const { run, membrane, machine } = await guest();
    const guestObject = run('({ x: 1 })');
    const callback = run('(f) => { globalThis.held = f; return 1 }');
    callback(() => 'host');
    membrane.revoke();
    expect(() => guestObject.x).toThrow(RevokedError);
    expect(() => run('1')).toThrow(RevokedError);
    expect(machine.evaluate('try { held(); "called" } catch (e) { e.name + ": " + e.message }')).toMatch(/^RevokedError: /);
  });
});
