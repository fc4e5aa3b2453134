// Journaled.entries lists every entry since creation, whichever sink the bytes go to: read back
// from a MemorySink's bytes, or kept by the recorder for a sink that keeps nothing in memory.
import { type JournalSink, MemorySink, readJournal, restoreJournaled, startJournaled } from '@xsb/journal';
import { describe, expect, it } from 'vitest';
import { sharedEngine } from './support.js';

/** A sink that keeps a copy of the bytes where the recorder cannot see them, as a file would. */
class OpaqueSink implements JournalSink {
  readonly chunks: Uint8Array[] = [];
  size = 0;
  write(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
  }
  bytes(): Uint8Array {
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }
}

const life = (sink: MemorySink | OpaqueSink) => {
  return sharedEngine().then((engine) => {
    const journaled = startJournaled(engine, { sink, endowments: { twice: (n: number) => n * 2 } });
    const run = (source: string) => journaled.membrane.evaluateScript(source);
    const listedEarly = journaled.entries.length;
    run('var big = "é".repeat(70000); twice(21)');
    const f = run('(s) => s.length + twice(2)') as (s: string) => number;
    for (let i = 0; i < 50; i++) f('x'.repeat(i * 40));
    journaled.collectGarbage();
    return { journaled, listedEarly };
  });
};

describe('Journaled.entries', () => {
  it('lists the same entries for a MemorySink and for a sink that keeps its bytes to itself, as the journal holds them', async () => {
    const memory = new MemorySink();
    const opaque = new OpaqueSink();
    const a = await life(memory);
    const b = await life(opaque);
    expect(a.listedEarly).toBeGreaterThan(0); // the endowments, defined in the guest
    const fromBytes = readJournal(memory.bytes()).entries;
    expect(memory.bytes()).toEqual(opaque.bytes());
    expect(a.journaled.entries).toEqual(fromBytes);
    expect(b.journaled.entries).toEqual(fromBytes);
    expect(fromBytes.length).toBeGreaterThan(100);
    // messages are buffers of their own: the next write does not change what was listed
    const listed = a.journaled.entries.map((entry) => entry.message.slice());
    a.journaled.membrane.evaluateScript('"x".repeat(5000)');
    expect(a.journaled.entries.slice(0, listed.length).map((entry) => entry.message)).toEqual(listed);
    a.journaled.dispose();
    b.journaled.dispose();
  });

  it('lists the entries before a restore and those replayed, for both kinds of sink', async () => {
    const engine = await sharedEngine();
    const memory = new MemorySink();
    const { journaled } = await life(memory);
    const snapshot = journaled.snapshot();
    journaled.membrane.evaluateScript('twice(5)');
    const journal = memory.bytes();
    const expected = readJournal(journal).entries;
    journaled.dispose();
    for (const makeSink of [() => new MemorySink(), () => new OpaqueSink()]) {
      for (const from of [snapshot, undefined]) {
        const sink = makeSink();
        const restored = restoreJournaled(engine, {
          journal,
          ...(from ? { snapshot: from } : {}),
          sink,
          endowments: { twice: (n: number) => n * 2 },
        }).journaled;
        expect(restored.entries).toEqual(expected);
        restored.membrane.evaluateScript('twice(6)');
        expect(restored.entries.length).toBeGreaterThan(expected.length);
        expect(restored.entries.slice(0, expected.length)).toEqual(expected);
        restored.dispose();
      }
    }
  });
});
