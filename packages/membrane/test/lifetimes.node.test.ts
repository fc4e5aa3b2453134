import { attachMembrane, OPS, RevokedError } from '@xsb/membrane';
import { loadEngine } from '@xsb/xs-wasm';
import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

const collect = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
};

describe('lifetimes', () => {
  // 1e6 proxies each way: 1,000 fresh objects cross per call (as arguments), so that the test
  // spends its time on ids and proxies rather than on calls.
  const BATCH = 1000;
  const CALLS_PER_ROUND = 50;
  const ROUNDS = 20;

  it('keeps both tables bounded while the host makes and drops 1e6 proxies of guest objects', async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    const { run, membrane, machine } = await guest();
    let received = 0;
    membrane.defineGlobals({
      take: (...objects: { i: number }[]) => {
        received += objects.length;
        return objects[objects.length - 1]!.i;
      },
    });
    const sendRound = run(`() => {
      let last = 0;
      for (let call = 0; call < ${CALLS_PER_ROUND}; call++) {
        const batch = [];
        for (let i = 0; i < ${BATCH}; i++) batch.push({ i });
        last += take(...batch);
      }
      return last;
    }`);
    const sizes: number[] = [];
    const memory: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      expect(sendRound()).toBe(CALLS_PER_ROUND * (BATCH - 1));
      await collect();
      membrane.flushReleases();
      const { dry, wet } = membrane.stats();
      sizes.push(Math.max(dry.imported, wet.exported));
      memory.push(machine.memoryUsed);
    }
    expect(received).toBe(1_000_000);
    // what is left is at most what the last rounds have not yet released
    expect(Math.max(...sizes.slice(3))).toBeLessThan(3 * CALLS_PER_ROUND * BATCH);
    expect(Math.max(...memory.slice(10))).toBeLessThan(2 * memory[3]!);
  }, 300_000);

  it('keeps both tables bounded while the guest makes and drops 1e6 proxies of host objects', async () => {
    const { run, membrane, machine } = await guest();
    const take = run('var received = 0; (...objects) => { received += objects.length; return objects[objects.length - 1].i }');
    const batch = Array.from({ length: BATCH }, (_, i) => ({ i }));
    const sizes: number[] = [];
    const memory: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let call = 0; call < CALLS_PER_ROUND; call++) {
        // fresh host objects every call: new ids, new guest proxies
        for (let i = 0; i < BATCH; i++) batch[i] = { i };
        expect(take(...batch)).toBe(BATCH - 1);
      }
      // XS lets WeakRefs go only in collections the host asks for (see Machine.collectGarbage);
      // the guest's registry reports at the next job checkpoint, which the stats call runs
      machine.collectGarbage();
      await collect();
      const { dry, wet } = membrane.stats();
      sizes.push(Math.max(wet.imported, dry.exported));
      memory.push(machine.memoryUsed);
    }
    expect(run('received')).toBe(1_000_000);
    expect(Math.max(...sizes.slice(3))).toBeLessThan(3 * CALLS_PER_ROUND * BATCH);
    expect(Math.max(...memory.slice(10))).toBeLessThan(2 * memory[3]!);
  }, 300_000);

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

describe('releases the other side refuses', () => {
  it('are kept for the next flush', async () => {
    const engine = await loadEngine();
    let refuse = false;
    const membrane = attachMembrane(engine.createMachine(), {
      wire: (direct) => ({
        toGuest: (request) => {
          if (refuse && request[0] === OPS.release) throw new Error('refused, as a spent meter would');
          return direct.toGuest(request);
        },
        fromGuest: direct.fromGuest,
      }),
    });
    const make = membrane.evaluateScript('(i) => ({ i })') as (i: number) => { i: number };
    for (let i = 0; i < 100; i++) expect(make(i).i).toBe(i);
    const held = membrane.stats().wet.exported;
    refuse = true;
    await collect();
    membrane.flushReleases();
    // nothing released (stats' own reply object may add one)
    expect(membrane.stats().wet.exported).toBeGreaterThanOrEqual(held);
    refuse = false;
    membrane.flushReleases();
    expect(membrane.stats().wet.exported).toBeLessThan(held - 50);
    membrane.revoke();
  });
});
