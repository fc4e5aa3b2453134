import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntry, JournalReader, readJournal, restoreJournaled, startJournaled } from '@xsb/journal';
import { FileSink, readJournalFile } from '@xsb/journal/node';
import { encodeMessage } from '@xsb/membrane';
import { describe, expect, it } from 'vitest';
import { runInChildProcess } from '../../../test-support/child.js';
import { sharedEngine } from './support.js';

describe('journal files', () => {
  it('writes each entry as it happens, readable while it is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsb-journal-'));
    const path = join(dir, 'guest.journal');
    using sink = new FileSink(path, { fsync: true });
    const journaled = startJournaled(await sharedEngine(), { sink });
    const reader = new JournalReader();
    let read = 0;
    const follow = () => {
      const bytes = readFileSync(path);
      reader.push(bytes.subarray(read));
      read = bytes.length;
    };
    follow();
    const before = reader.entries.length;
    journaled.membrane.evaluateScript('1 + 1');
    follow();
    expect(reader.entries.length).toBeGreaterThan(before);
    expect(reader.entries.at(-1)).toEqual({ kind: 'guestReply', message: encodeMessage({ ok: 2 }) });
    expect(reader.pendingBytes).toBe(0);
    expect(reader.entries).toEqual(journaled.entries);
    journaled.dispose();
  });

  it('refuses to append to a file that holds a journal, unless told where to resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsb-journal-'));
    const path = join(dir, 'guest.journal');
    writeFileSync(path, 'something');
    expect(() => new FileSink(path)).toThrow(/already holds 9 bytes: pass resumeAt/);
    expect(() => new FileSink(path, { resumeAt: 10 })).toThrow(/fewer than resumeAt/);
  });

  it('restores in a second Node.js process from the files the first wrote, and a torn tail is cut on resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xsb-journal-'));
    const journalPath = join(dir, 'guest.journal');
    const snapshotPath = join(dir, 'guest.snapshot');
    const notes: string[] = [];
    const endowments = { note: (line: string) => notes.push(line) };
    {
      using sink = new FileSink(journalPath);
      const journaled = startJournaled(await sharedEngine(), { sink, endowments });
      journaled.membrane.evaluateScript('var total = 0; var add = (n) => { total += n; note("added " + n); return total }');
      journaled.membrane.evaluateScript('add(1); add(2)');
      writeFileSync(snapshotPath, journaled.snapshot());
      journaled.membrane.evaluateScript('add(3)');
      journaled.dispose();
    }
    // the process died while appending: the first 15 bytes of an entry at the end
    const whole = readJournalFile(journalPath);
    const torn = encodeEntry({
      kind: 'toGuest',
      message: encodeMessage({ op: 'get', t: { $: 'w', n: 'globalThis' }, k: 'x' }),
    }).subarray(0, 15);
    writeFileSync(journalPath, Buffer.concat([whole, torn]));

    const output = runInChildProcess(new URL('./fixtures/restore-in-child.ts', import.meta.url), journalPath, snapshotPath);
    type Restored = { total: number; next: number; report: { tornBytes: number; fromSnapshot: boolean; replayed: number } };
    const { results, lines } = output as { results: { replay: Restored; snapshot: Restored }; lines: string[] };
    for (const how of ['replay', 'snapshot'] as const) {
      expect(results[how].total).toBe(6);
      expect(results[how].next).toBe(11);
      expect(results[how].report.tornBytes).toBe(15);
    }
    expect(results.snapshot.report.fromSnapshot).toBe(true);
    expect(results.snapshot.report.replayed).toBeLessThan(results.replay.report.replayed);
    // the replays called no host function; each restored guest's own add(5) did
    expect(lines).toEqual(['added 5', 'added 5']);
    expect(notes).toEqual(['added 1', 'added 2', 'added 3']);

    // resuming the file cuts the torn tail off before it appends
    const { validBytes, tornBytes, resumeAt } = readJournal(readJournalFile(journalPath));
    expect(tornBytes).toBe(15);
    {
      using sink = new FileSink(journalPath, { resumeAt });
      const { journaled } = restoreJournaled(await sharedEngine(), { journal: readJournalFile(journalPath), endowments, sink });
      journaled.membrane.evaluateScript('add(4)');
      journaled.dispose();
    }
    const resumed = readJournal(readJournalFile(journalPath));
    expect(resumed.tornBytes).toBe(0);
    expect(resumed.validBytes).toBeGreaterThan(validBytes);
    expect(notes.at(-1)).toBe('added 4');
  }, 120_000);
});
