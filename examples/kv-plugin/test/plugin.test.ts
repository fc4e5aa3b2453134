import { fileURLToPath } from 'node:url';
import { type Kv, kvPlugin } from '@xsb/example-kv-plugin';
import { createSandbox, loadEngine, MemorySink, restoreSandbox } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';
import { expectLayering } from '../../../test-support/layering.js';

const engine = await loadEngine();

describe('the example kv plugin', () => {
  it('uses nothing but @xsb/sandbox', () => {
    expect(expectLayering(fileURLToPath(new URL('..', import.meta.url)), { allowed: [/^@xsb\/sandbox$/] })).toContain(
      '@xsb/sandbox',
    );
  });

  it('gives the guest a store the host seeds and reads', () => {
    using sandbox = createSandbox({ engine, plugins: [[kvPlugin, { seed: { greeting: 'hi' }, maxEntries: 3 }]] });
    const kv = sandbox.plugins.kv as Kv;
    sandbox.evaluate('kv.set("count", kv.get("greeting").length); kv.set("list", [1, { two: 2 }])');
    expect(kv.get('count')).toBe(2);
    expect(kv.entries()).toEqual([
      ['greeting', 'hi'],
      ['count', 2],
      ['list', [1, { two: 2 }]],
    ]);
    expect(kv.size).toBe(3);
    // thrown in the guest, it reaches the host as a GuestError with the guest's name for it
    expect(() => sandbox.evaluate('kv.set("more", 1)')).toThrow(
      expect.objectContaining({ guestName: 'RangeError', message: 'kv is full (3 entries)' }),
    );
    expect(sandbox.evaluate('try { kv.set("f", () => 1) } catch (e) { e.message }')).toBe('kv values are JSON values');
  });

  it('keeps the store across a snapshot and restore', () => {
    const journal = new MemorySink();
    const sandbox = createSandbox({ engine, plugins: [kvPlugin], journal });
    sandbox.evaluate('kv.set("a", 1)');
    const snapshot = sandbox.snapshot();
    sandbox.evaluate('kv.set("b", 2)');
    const bytes = journal.bytes();
    sandbox.dispose();
    const { sandbox: restored } = restoreSandbox({ engine, journal: bytes, snapshot, plugins: [kvPlugin] });
    expect((restored.plugins.kv as Kv).entries()).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    restored.dispose();
  });
});
