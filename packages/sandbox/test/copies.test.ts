// Data by copy through the public API: the "user scripts" wiring of the README.
import { copy, createSandbox, loadEngine, MemorySink, NotSerializableError, restoreSandbox } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

describe('data by copy', () => {
  it('a record copied in cannot be rewritten by the guest; one proxied in can be read but not written', () => {
    using sandbox = createSandbox({ engine });
    const record = { id: 'r1', total: 5 };
    const rewrite = sandbox.evaluate('(r) => { try { r.id = "pwned" } catch { return "refused" } return r.id }') as (
      r: unknown,
    ) => string;
    expect(rewrite(copy(record))).toBe('pwned');
    expect(rewrite(record)).toBe('refused');
    expect(record.id).toBe('r1');
  });

  it('copying() makes a transform one crossing a record, and replays', () => {
    const journal = new MemorySink();
    const sandbox = createSandbox({ engine, journal });
    const transform = sandbox.evaluate(
      '(r) => ({ id: r.id, tags: r.tags.map((t) => t.toUpperCase()), at: r.at, total: r.lines.reduce((a, l) => a + l.n, 0) })',
    ) as (r: object) => unknown;
    const record = { id: 'r1', tags: ['a', 'b'], at: new Date(5), lines: [{ n: 1 }, { n: 2 }] };
    const expected = { id: 'r1', tags: ['A', 'B'], at: new Date(5), total: 3 };
    const before = sandbox.journal.length;
    expect(sandbox.copying(transform)(record)).toEqual(expected);
    const byCopy = sandbox.journal.length - before;
    transform(record);
    const byProxy = sandbox.journal.length - before - byCopy;
    expect(byCopy).toBe(2);
    expect(byProxy).toBeGreaterThan(10 * byCopy);
    sandbox.keep('transform', transform);
    const { sandbox: again, report } = restoreSandbox({ engine, journal: journal.bytes() });
    expect(report.replayed).toBeGreaterThan(0);
    expect(again.copying(again.root('transform') as (r: object) => unknown)(record)).toEqual(expected);
    sandbox.dispose();
    again.dispose();
  });

  it('refuses what is not plain data with NotSerializableError, and the sandbox goes on', () => {
    using sandbox = createSandbox({ engine });
    const echo = sandbox.copying(sandbox.evaluate('(x) => x') as (x: unknown) => unknown);
    expect(() => echo({ when: new Date(0), f: () => 1 })).toThrow(NotSerializableError);
    expect(() => echo({ when: new Date(0), f: () => 1 })).toThrow(/a function at args\[0\]\.f/);
    expect(echo({ when: new Date(0) })).toEqual({ when: new Date(0) });
  });
});
