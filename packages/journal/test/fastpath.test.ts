// The engine's fast path (Engine.setFastPath) is part of what a journal replays with: a guest can
// tell it from the general path (meter units, stack depth), so the header says when it was off
// and a restore in the other state is refused by name.
import { FastPathMismatchError, MemorySink, readJournal, restoreJournaled, startJournaled } from '@xsb/journal';
import { describe, expect, it } from 'vitest';
import { freshEngine } from './support.js';

describe('the fast path in the journal', () => {
  it('is written in the header when off, and a restore in the other state is refused', async () => {
    const engine = await freshEngine();
    const journals: Record<'on' | 'off', Uint8Array> = { on: new Uint8Array(), off: new Uint8Array() };
    for (const state of ['on', 'off'] as const) {
      engine.setFastPath(state === 'on');
      const sink = new MemorySink();
      const journaled = startJournaled(engine, { sink });
      const f = journaled.membrane.evaluateScript('(x) => ({ y: x * 2 })') as (x: number) => { y: number };
      expect(f(21).y).toBe(42);
      journaled.dispose();
      journals[state] = sink.bytes();
    }
    expect(readJournal(journals.on).header.fastPath).toBeUndefined();
    expect(readJournal(journals.off).header.fastPath).toBe(false);
    for (const [written, running] of [
      ['on', 'off'],
      ['off', 'on'],
    ] as const) {
      engine.setFastPath(running === 'on');
      let refused: unknown;
      try {
        restoreJournaled(engine, { journal: journals[written] });
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(FastPathMismatchError);
      expect((refused as Error).message).toMatch(
        new RegExp(
          `fast path ${written}, but this engine has it ${running}: restore it after engine\\.setFastPath\\(${written === 'on'}\\)`,
        ),
      );
      // in its own state it restores
      engine.setFastPath(written === 'on');
      restoreJournaled(engine, { journal: journals[written] }).journaled.dispose();
    }
    engine.setFastPath(true);
  });
});
