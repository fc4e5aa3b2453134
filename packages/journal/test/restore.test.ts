import { JournalDivergenceError, type Journaled, MemorySink, restoreJournaled, startJournaled } from '@xsb/journal';
import { describe, expect, it } from 'vitest';
import { freshEngine, sharedEngine } from './support.js';

// biome-ignore lint/suspicious/noExplicitAny: guest values are whatever the guest made
const run = (j: Journaled, source: string): any => j.membrane.evaluateScript(source);

describe('restore', () => {
  it('brings a guest back by pure replay, and from a snapshot and the tail, to the same bytes', async () => {
    const sink = new MemorySink();
    const log: string[] = [];
    const endowments = { log: (line: string) => log.push(line), base: 100 };
    const original = startJournaled(await sharedEngine(), { sink, endowments, machine: { randomSeed: 7 } });
    run(original, 'var counter = base; globalThis.tick = (n) => { counter += n; log("tick " + counter); return counter }');
    const tick = run(original, 'tick');
    expect(tick(2)).toBe(102);
    const middle = original.snapshot();
    expect(tick(3)).toBe(105);
    run(original, 'var r = Math.random()');
    const journal = sink.bytes();
    const end = original.snapshot();

    const replayed = restoreJournaled(await freshEngine(), { journal, endowments });
    expect(replayed.report).toMatchObject({ fromSnapshot: false, tornBytes: 0, unfinishedEntries: 0 });
    expect(replayed.journaled.snapshot()).toEqual(end);

    const resumed = restoreJournaled(await freshEngine(), { journal, snapshot: middle, endowments });
    expect(resumed.report.fromSnapshot).toBe(true);
    expect(resumed.report.replayed).toBeGreaterThan(0);
    expect(resumed.journaled.snapshot()).toEqual(end);

    // the replays called no host function; the restored guest carries on live, its endowment bound again by name
    expect(log).toEqual(['tick 102', 'tick 105']);
    expect(run(resumed.journaled, 'tick(10)')).toBe(115);
    expect(log).toEqual(['tick 102', 'tick 105', 'tick 115']);
  });

  it('revokes host objects that were not bound again by name (ephemerals)', async () => {
    const sink = new MemorySink();
    const original = startJournaled(await sharedEngine(), { sink });
    const keep = run(original, 'var kept; (f) => { kept = f; return typeof f }');
    expect(keep(() => 'host')).toBe('function');
    expect(run(original, 'kept()')).toBe('host');
    const { journaled } = restoreJournaled(await freshEngine(), { journal: sink.bytes() });
    expect(run(journaled, 'try { kept(); "called" } catch (e) { e.name + ": " + e.message }')).toMatch(
      /^RevokedError: object #\d+ of the dry side did not survive the restore/,
    );
  });

  it('fails loudly when the host gives different endowments on replay', async () => {
    const sink = new MemorySink();
    const original = startJournaled(await sharedEngine(), { sink, endowments: { answer: 42, print: () => {} } });
    run(original, 'var got = answer');
    const snapshot = original.snapshot();
    const journal = sink.bytes();
    const engine = await freshEngine();
    for (const endowments of [{ answer: 41, print: () => {} }, { answer: 42 }, { answer: 42, print: 'text' }]) {
      expect(() => restoreJournaled(engine, { journal, endowments })).toThrow(JournalDivergenceError);
      expect(() => restoreJournaled(engine, { journal, snapshot, endowments })).toThrow(JournalDivergenceError);
    }
    const error = (() => {
      try {
        restoreJournaled(engine, { journal, endowments: { answer: 41, print: () => {} } });
      } catch (e) {
        return e as JournalDivergenceError;
      }
    })();
    expect(error?.index).toBe(0);
    expect(error?.expected).toContain('"answer":"number 42"');
    expect(error?.actual).toContain('"answer":"number 41"');
  });
});

describe('what the journal did not see', () => {
  it('ends in JournalDivergenceError when code ran in the guest outside the journal (a debugger, say)', async () => {
    const sink = new MemorySink();
    const original = startJournaled(await sharedEngine(), { sink });
    run(original, 'var total = 0; globalThis.add = (n) => (total += n)');
    // evaluated on the machine directly, not through the membrane: the journal never sees it
    original.machine.evaluate('total = 100');
    expect(run(original, 'add(1)')).toBe(101);
    const engine = await freshEngine();
    expect(() => restoreJournaled(engine, { journal: sink.bytes() })).toThrow(JournalDivergenceError);
    try {
      restoreJournaled(engine, { journal: sink.bytes() });
    } catch (error) {
      expect((error as JournalDivergenceError).expected).toBe('guestReply {"ok":101}');
      expect((error as JournalDivergenceError).actual).toBe('guestReply {"ok":1}');
    }
  });
});
