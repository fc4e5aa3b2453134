// Damaged bytes: every way a journal or snapshot can be broken ends in a typed error that says
// where, or (a torn last entry) in a restore that says what it left out.

import {
  decodeSnapshot,
  EngineMismatchError,
  encodeEntry,
  encodeHeader,
  encodeSnapshot,
  JournalDivergenceError,
  type JournalEntry,
  JournalFormatError,
  MemorySink,
  readJournal,
  restoreJournaled,
  SnapshotFormatError,
  startJournaled,
  textEntry,
} from '@xsb/journal';
import { decodeMessage, ProtocolError } from '@xsb/membrane';
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

/** A message's bytes made into ones the protocol refuses: cut at every byte, an unknown op, trailing bytes. */
function malformed(message: Uint8Array): [string, Uint8Array][] {
  expect(() => decodeMessage(message)).not.toThrow();
  const cases: [string, Uint8Array][] = [];
  for (let cut = 0; cut < message.length; cut++) cases.push([`cut at ${cut}`, message.slice(0, cut)]);
  cases.push(['an unknown op', Uint8Array.of(200, ...message.subarray(1))]);
  // the op's first field is a value (or a settlement's or release's u32, whose first byte 99 is not 0)
  cases.push(['an unknown tag', Uint8Array.of(message[0]!, 99, ...message.subarray(2))]);
  cases.push(['a byte after the end', Uint8Array.of(...message, 0)]);
  for (const [what, bytes] of cases) expect(() => decodeMessage(bytes), what).toThrow(ProtocolError);
  return cases;
}

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
    expect(journal.length).toBeGreaterThan(500);
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
    versioned[4] = 4;
    expect(() => restoreJournaled(engine, { journal: versioned })).toThrow(/format version 4, but this reader knows version 3/);
    // a version 2 journal's messages are JSON text, a version 1's has no id: refused, not misread
    for (const version of [1, 2]) {
      versioned[4] = version;
      const error = thrown(() => restoreJournaled(engine, { journal: versioned }));
      expect(error).toBeInstanceOf(JournalFormatError);
      expect((error as Error).message).toBe(
        `journal byte 4: format version ${version}, but this reader knows version 3 only: read it with the @xsb/journal version that wrote it`,
      );
    }
    const header = readJournal(journal).header;
    const other = encodeHeader({ ...header, buildId: '0123456789abcdef' });
    const foreign = new Uint8Array([...other, ...journal.subarray(encodeHeader(header).length)]);
    expect(() => restoreJournaled(engine, { journal: foreign })).toThrow(EngineMismatchError);
  });
});

describe('rewritten journals (checksums that hold over bytes no writer wrote)', () => {
  const rewrite = (journal: Uint8Array, index: number, entry: JournalEntry) => {
    const { entries, validBytes } = readJournal(journal);
    const sizes = entries.map((e) => encodeEntry(e).length);
    const start = validBytes - sizes.slice(index).reduce((a, b) => a + b, 0);
    return {
      start,
      bytes: new Uint8Array([...journal.subarray(0, start), ...encodeEntry(entry), ...journal.subarray(start + sizes[index]!)]),
    };
  };

  it('gives a JournalFormatError for a meter entry that is not one', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    const { entries } = readJournal(journal);
    const call = entries.findIndex((e) => e.kind === 'toGuest');
    for (const text of ['none', '{"limit":"all","budget":null}']) {
      const { start, bytes } = rewrite(journal, call, textEntry('meter', text));
      const error = thrown(() => restoreJournaled(engine, { journal: bytes, endowments: { unit: 'm' } }));
      expect(error, text).toBeInstanceOf(JournalFormatError);
      expect((error as JournalFormatError).offset).toBe(start + 9);
    }
  });

  it('gives a JournalFormatError, the ProtocolError its cause, for a host message the protocol refuses', async () => {
    const { journal } = await recorded();
    const engine = await sharedEngine();
    const { entries } = readJournal(journal);
    // the host's messages: a replay hands them to the guest, so each is checked first
    for (const kind of ['toGuest', 'hostReply'] as const) {
      const index = entries.findIndex((e) => e.kind === kind);
      expect(index).toBeGreaterThan(0);
      const message = entries[index]!.message;
      for (const [what, bad] of malformed(message)) {
        const { start, bytes } = rewrite(journal, index, { kind, message: bad });
        const error = thrown(() => restoreJournaled(engine, { journal: bytes, endowments: { unit: 'm' } }));
        expect(error, `${kind} ${what}: ${(error as Error).message}`).toBeInstanceOf(JournalFormatError);
        expect((error as JournalFormatError).offset, `${kind} ${what}`).toBe(start + 9);
        expect((error as Error).message).toContain(`a ${kind} message the protocol refuses: message byte`);
        expect((error as Error).cause).toBeInstanceOf(ProtocolError);
      }
    }
    // the guest's: checked against what the guest sends, which it never sent
    const sink = new MemorySink();
    const journaled = startJournaled(engine, { sink, endowments: { twice: (n: number) => n * 2 } });
    journaled.membrane.evaluateScript('var total = twice(21)');
    const called = sink.bytes();
    journaled.dispose();
    const calledEntries = readJournal(called).entries;
    for (const kind of ['fromGuest', 'guestReply'] as const) {
      const index = calledEntries.findIndex((e) => e.kind === kind);
      expect(index).toBeGreaterThan(0);
      for (const [what, bad] of malformed(calledEntries[index]!.message)) {
        const { bytes } = rewrite(called, index, { kind, message: bad });
        const error = thrown(() => restoreJournaled(engine, { journal: bytes, endowments: { twice: (n: number) => n * 2 } }));
        expect(error, `${kind} ${what}`).toBeInstanceOf(JournalDivergenceError);
        expect((error as JournalDivergenceError).index).toBe(index);
      }
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
