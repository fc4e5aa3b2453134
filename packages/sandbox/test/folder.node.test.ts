import { appendFileSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalDivergenceError, loadEngine } from '@xsb/sandbox';
import { openSandboxFolder } from '@xsb/sandbox/node';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

describe('openSandboxFolder', () => {
  it('creates a sandbox in a new folder, and brings it back from the snapshot and the journal after it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'xsb-folder-')), 'ledger');
    const endowments = { unit: 'coins' };
    {
      using folder = openSandboxFolder(path, { engine, endowments });
      expect(folder.report).toBeUndefined();
      folder.sandbox.evaluate('var total = 0; function add(x) { return total += x }');
      folder.sandbox.evaluate('add(1)');
      folder.save();
      folder.sandbox.evaluate('add(2)');
    }
    expect(readdirSync(path).sort()).toEqual(['journal', 'snapshot']);
    {
      using folder = openSandboxFolder(path, { engine, endowments });
      expect(folder.report).toMatchObject({ fromSnapshot: true, tornBytes: 0, unfinishedEntries: 0 });
      // only what came after the snapshot (add(2)) is replayed
      expect(folder.report!.replayed).toBeGreaterThan(0);
      expect(folder.report!.replayed).toBeLessThan(folder.sandbox.journal.length / 2);
      expect(folder.sandbox.evaluate('add(3) + " " + unit')).toBe('6 coins');
    }
    // a torn last write is cut off, and the journal goes on from there
    const before = statSync(join(path, 'journal')).size;
    appendFileSync(join(path, 'journal'), new Uint8Array([9, 0, 0, 0, 1, 2]));
    {
      using folder = openSandboxFolder(path, { engine, endowments });
      expect(folder.report).toMatchObject({ tornBytes: 6 });
      expect(statSync(join(path, 'journal')).size).toBe(before);
      expect(folder.sandbox.evaluate('add(4)')).toBe(10);
    }
    // a restore that fails leaves the folder as it was
    expect(() => openSandboxFolder(path, { engine, endowments: { unit: 'shells' } })).toThrow(JournalDivergenceError);
    using folder = openSandboxFolder(path, { engine, endowments });
    expect(folder.sandbox.evaluate('total')).toBe(10);
  });

  it('refuses a path that is not a string', () => {
    expect(() => openSandboxFolder('', { engine })).toThrow('the folder is ""; expected a path');
  });
});
