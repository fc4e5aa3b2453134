import { timersPlugin } from '@xsb/plugin-timers';
import { createSandbox, loadEngine, MemorySink, restoreSandbox } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

describe('timersPlugin', () => {
  it('is named "timers", and frozen', () => {
    expect(timersPlugin.name).toBe('timers');
    expect(Object.isFrozen(timersPlugin)).toBe(true);
  });

  it('fires timeouts and intervals in order as the host advances virtual time', () => {
    using sandbox = createSandbox({ engine, plugins: [[timersPlugin, { start: 1_000 }]] });
    const timers = sandbox.plugins.timers as import('@xsb/plugin-timers').Timers;
    sandbox.evaluate(`
      var log = [];
      setTimeout((x) => log.push('b' + x + '@' + Date.now()), 20, 1);
      setTimeout(() => log.push('a@' + Date.now()), 10);
      setTimeout(() => log.push('c@' + Date.now()), 20);
      var tick = setInterval(() => { log.push('i@' + Date.now()); if (log.length > 5) clearInterval(tick) }, 7);
      var never = setTimeout(() => log.push('never'), 5); clearTimeout(never);
    `);
    expect(sandbox.evaluate('Date.now()')).toBe(1_000);
    expect(timers.pending()).toBe(4);
    expect(timers.advance(15)).toEqual({ fired: 3, errors: [], moreErrors: 0 });
    expect(sandbox.evaluate('log.join()')).toBe('i@1007,a@1010,i@1014');
    timers.advance(100);
    expect(sandbox.evaluate('log.join()')).toBe('i@1007,a@1010,i@1014,b1@1020,c@1020,i@1021');
    expect(timers.now()).toBe(1_115);
    expect(timers.pending()).toBe(0);
    expect(sandbox.evaluate('new Date().getTime() + "," + (new Date(0) instanceof Date) + "," + typeof Date()')).toBe(
      '1115,true,string',
    );
  });

  it('moves the clock in one call into the guest when nothing is due', () => {
    using sandbox = createSandbox({ engine, plugins: [timersPlugin] });
    const timers = sandbox.plugins.timers as import('@xsb/plugin-timers').Timers;
    const from = sandbox.journal.length;
    expect(timers.advance(10)).toEqual({ fired: 0, errors: [], moreErrors: 0 });
    expect(sandbox.journal.slice(from).map((entry) => entry.kind)).toEqual(['toGuest', 'guestReply']);
  });

  it('reports what callbacks threw, and keeps going', () => {
    using sandbox = createSandbox({ engine, plugins: [timersPlugin] });
    const timers = sandbox.plugins.timers as import('@xsb/plugin-timers').Timers;
    sandbox.evaluate('var ran = 0; setTimeout(() => { throw new TypeError("boom") }, 0); setTimeout(() => ran++, 0)');
    expect(timers.runDue()).toEqual({ fired: 2, errors: ['TypeError: boom'], moreErrors: 0 });
    expect(sandbox.evaluate('ran')).toBe(1);
    expect(() => timers.advance(-1)).toThrow(RangeError);
  });

  it('fires a timer set before a snapshot after the restore, at the right virtual time', () => {
    const sink = new MemorySink();
    const sandbox = createSandbox({ engine, plugins: [timersPlugin], journal: sink });
    const timers = sandbox.plugins.timers as import('@xsb/plugin-timers').Timers;
    sandbox.evaluate('var fired = []; setTimeout(() => fired.push(Date.now()), 50)');
    timers.advance(20);
    const snapshot = sandbox.snapshot();
    const journal = sink.bytes();
    sandbox.dispose();
    for (const restored of [
      restoreSandbox({ engine, journal, plugins: [timersPlugin] }).sandbox,
      restoreSandbox({ engine, journal, snapshot, plugins: [timersPlugin] }).sandbox,
    ]) {
      const t = restored.plugins.timers as import('@xsb/plugin-timers').Timers;
      expect(t.now()).toBe(20);
      expect(t.advance(29).fired).toBe(0);
      expect(t.advance(1).fired).toBe(1);
      expect(restored.evaluate('fired.join()')).toBe('50');
      restored.dispose();
    }
  });
});

describe('timersPlugin in real mode', () => {
  it('follows the host clock, still through journaled calls', async () => {
    const journal = new MemorySink();
    using sandbox = createSandbox({ engine, plugins: [[timersPlugin, { mode: 'real', start: 0 }]], journal });
    const timers = sandbox.plugins.timers as import('@xsb/plugin-timers').Timers;
    sandbox.evaluate('var fired = 0; setTimeout(() => fired++, 30)');
    const moves: number[] = [];
    const stop = timers.follow({ everyMs: 5, onFired: (f) => moves.push(f.fired) });
    await new Promise((resolve) => setTimeout(resolve, 120));
    stop();
    expect(sandbox.evaluate('fired')).toBe(1);
    expect(moves).toEqual([1]);
    expect(timers.now()).toBeGreaterThanOrEqual(30);
    const restored = restoreSandbox({
      engine,
      journal: journal.bytes(),
      plugins: [[timersPlugin, { mode: 'real', start: 0 }]],
    }).sandbox;
    expect(restored.evaluate('fired')).toBe(1);
    restored.dispose();
    using virtual = createSandbox({ engine, plugins: [timersPlugin] });
    expect(() => (virtual.plugins.timers as import('@xsb/plugin-timers').Timers).follow()).toThrow(
      "follow() needs { mode: 'real' }",
    );
  });
});
