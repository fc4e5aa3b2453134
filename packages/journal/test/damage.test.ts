// Damaged bytes: every way a journal or snapshot can be broken ends in a typed error that says
// where, or (a torn last entry) in a restore that says what it left out.
import {
  decodeSnapshot,
  EngineMismatchError,
  encodeEntry,
  encodeHeader,
  encodeSnapshot,
  JournalFormatError,
  MemorySink,
  readJournal,
  restoreJournaled,
  SnapshotFormatError,
  startJournaled,
} from '@xsb/journal';
import { describe, expect, it } from 'vitest';
import { sharedEngine } from './support.js';

async function recorded() {
  const sink = new MemorySink();
  const journaled = startJournaled(await sharedEngine(), { sink, endowments: { unit: 'm' } });
  journaled.membrane.evaluateScript('var total = 0; var add = (n) => (total += n) + unit');
  const add = journaled.membrane.evaluateScript('add') as (n: number) => string;
  add(1);
  const snapshot = journaled.snapshot();
  add(2);
  const journal = sink.bytes();
  journaled.dispose();
  return { journal, snapshot };
}

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('damaged journals', () => {
  it('gives a JournalFormatError naming the offset for a flipped byte anywhere', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    for (let offset = 0; offset < journal.length; offset++) {
      const damaged = journal.slice();
      damaged[offset]! ^= 0x5a;
      const error = thrown(() => restoreJournaled(engine, { journal: damaged, endowments: { unit: 'm' } }));
      expect(error, `a flip at ${offset}`).toBeInstanceOf(JournalFormatError);
      const at = (error as JournalFormatError).offset;
      // the error names the damaged record: at or before the flip, never past its end
      expect(at).toBeLessThanOrEqual(Math.max(offset, journal.length));
      expect((error as Error).message).toMatch(/^journal byte \d+: /);
    }
    expect(journal.length).toBeGreaterThan(1000);
  });

  it('restores a journal cut anywhere in its last entry up to the entry before, and says so', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    const { entries, validBytes } = readJournal(journal);
    const lastStart = validBytes - 8 - 1 - entries.at(-1)!.message.length - 4;
    for (let cut = lastStart; cut < journal.length; cut++) {
      const { journaled, report } = restoreJournaled(engine, { journal: journal.subarray(0, cut), endowments: { unit: 'm' } });
      expect(report.tornBytes).toBe(cut - lastStart);
      // the cut entry was the last reply: its exchange is unfinished and left out
      expect(report.unfinishedEntries).toBeGreaterThan(0);
      expect(journaled.membrane.evaluateScript('total')).toBe(1);
      journaled.dispose();
    }
    // a file continuing such a journal resumes before the unfinished exchange, and nowhere else
    const cut = readJournal(journal.subarray(0, lastStart + 3));
    expect(cut.resumeAt).toBeLessThan(cut.validBytes);
    const holding = new MemorySink();
    holding.write(journal.subarray(0, cut.validBytes));
    expect(() =>
      restoreJournaled(engine, { journal: journal.subarray(0, lastStart + 3), endowments: { unit: 'm' }, sink: holding }),
    ).toThrow(`the sink holds ${cut.validBytes} bytes, but this journal continues after byte ${cut.resumeAt}`);
  });

  it('refuses a journal cut inside its header, of another version, or of another engine build', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    for (const cut of [0, 3, 11, 40]) {
      expect(() => restoreJournaled(engine, { journal: journal.subarray(0, cut) })).toThrow(JournalFormatError);
    }
    const versioned = journal.slice();
    versioned[4] = 3;
    expect(() => restoreJournaled(engine, { journal: versioned })).toThrow(/format version 3, but this reader knows version 2/);
    // a version 1 journal has no id (which version 2 snapshots check): refused, not read without one
    versioned[4] = 1;
    expect(() => restoreJournaled(engine, { journal: versioned })).toThrow(/format version 1, but this reader knows version 2/);
    const header = readJournal(journal).header;
    const other = encodeHeader({ ...header, buildId: '0123456789abcdef' });
    const foreign = new Uint8Array([...other, ...journal.subarray(encodeHeader(header).length)]);
    expect(() => restoreJournaled(engine, { journal: foreign })).toThrow(EngineMismatchError);
  });
});

describe('rewritten journals (checksums that hold over bytes no writer wrote)', () => {
  const rewrite = (journal: Uint8Array, index: number, entry: { kind: 'toGuest' | 'meter'; message: string }) => {
    const { entries, validBytes } = readJournal(journal);
    const sizes = entries.map((e) => encodeEntry(e).length);
    const start = validBytes - sizes.slice(index).reduce((a, b) => a + b, 0);
    return {
      start,
      bytes: new Uint8Array([...journal.subarray(0, start), ...encodeEntry(entry), ...journal.subarray(start + sizes[index]!)]),
    };
  };

  it('gives a JournalFormatError for a message that is not JSON, or a meter entry that is not one', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    const { entries } = readJournal(journal);
    const call = entries.findIndex((e) => e.kind === 'toGuest');
    for (const [index, entry] of [
      [call, { kind: 'toGuest', message: '{"op":"ap' }],
      [call, { kind: 'meter', message: 'none' }],
      [call, { kind: 'meter', message: '{"limit":"all","budget":null}' }],
    ] as const) {
      const { start, bytes } = rewrite(journal, index, entry);
      const error = thrown(() => restoreJournaled(engine, { journal: bytes, endowments: { unit: 'm' } }));
      expect(error, entry.message).toBeInstanceOf(JournalFormatError);
      expect((error as JournalFormatError).offset).toBe(start + 9);
    }
  });

  it('gives a JournalFormatError for machine settings no machine was created with', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    const header = readJournal(journal).header;
    const rest = journal.subarray(encodeHeader(header).length);
    for (const machine of [{ stackSlots: -5 }, { memoryLimit: 'lots' }, { randomSeed: 0.5 }, { memoryLimit: 1 }]) {
      const rewritten = new Uint8Array([...encodeHeader({ ...header, machine: machine as never }), ...rest]);
      expect(() => restoreJournaled(engine, { journal: rewritten, endowments: { unit: 'm' } }), JSON.stringify(machine)).toThrow(
        JournalFormatError,
      );
    }
  });
});

describe('damaged snapshots', () => {
  it('gives a SnapshotFormatError naming the offset for flipped, cut and extended bytes', async () => {
    const { journal, snapshot } = await recorded();
    const engine = await sharedEngine();
    const offsets = new Set<number>();
    for (let i = 0; i < 600; i++) offsets.add(i);
    for (let i = 0; i < 64; i++) offsets.add(snapshot.length - 1 - i);
    for (let i = 0; i < 400; i++) offsets.add(Math.floor((i * 7919 * 104729) % snapshot.length));
    for (const offset of offsets) {
      const damaged = snapshot.slice();
      damaged[offset]! ^= 0xa5;
      const error = thrown(() => restoreJournaled(engine, { journal, snapshot: damaged, endowments: { unit: 'm' } }));
      expect(error, `a flip at ${offset}`).toBeInstanceOf(SnapshotFormatError);
      expect((error as Error).message).toMatch(/^snapshot byte \d+: /);
    }
    for (const length of [0, 3, 12, 100, snapshot.length - 1]) {
      expect(() => restoreJournaled(engine, { journal, snapshot: snapshot.subarray(0, length) })).toThrow(SnapshotFormatError);
    }
    expect(() => restoreJournaled(engine, { journal, snapshot: new Uint8Array([...snapshot, 0]) })).toThrow(SnapshotFormatError);
    expect(offsets.size).toBeGreaterThan(1000);
  });

  it('refuses metadata that passes the checksum but no writer wrote', async () => {
    // the checksum tells damage from chance only: rewritten bytes pass it
    const { journal, snapshot } = await recorded();
    const engine = await sharedEngine();
    const { meta, heap } = decodeSnapshot(snapshot);
    for (const bad of [
      null,
      { ...meta, position: -1 },
      { ...meta, position: 2.5 },
      { ...meta, tables: {} },
      { ...meta, tables: { ...meta.tables, exported: [[1]] } },
      { ...meta, meter: undefined },
      { ...meta, meter: { limit: -1, budget: null, used: 0 } },
    ]) {
      const rewritten = encodeSnapshot({ meta: bad as never, heap });
      expect(() => restoreJournaled(engine, { journal, snapshot: rewritten, endowments: { unit: 'm' } })).toThrow(
        /^snapshot byte 12: the metadata /,
      );
    }
  });

  it('refuses a snapshot of another journal', async () => {
    const first = await recorded();
    const sink = new MemorySink();
    const engine = await sharedEngine();
    startJournaled(engine, { sink }).dispose();
    expect(() => restoreJournaled(engine, { journal: sink.bytes(), snapshot: first.snapshot })).toThrow(
      /the snapshot is at entry \d+, but the journal has \d+ complete entries/,
    );
  });
});
