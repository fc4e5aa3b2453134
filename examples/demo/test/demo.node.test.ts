// The quick start's demo, run twice in a folder of its own: the second run carries on.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runNode } from '../../../test-support/child.js';

it('keeps the ledger in a folder, and carries on where the last run left off', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'xsb-demo-')), 'state');
  const demo = new URL('../demo.mjs', import.meta.url);
  const first = runNode(demo, folder);
  expect(first).toContain('a new sandbox');
  expect(first).toContain('[guest] day 1 (2026-01-02): interest paid on 2 account(s)');
  expect(first).toContain('statement: ada 101.00 coins, bob 40.40 coins');
  expect(first).toMatch(/the meter stopped it after [\d,]+ units/);
  expect(first).not.toContain('this never prints');

  const second = runNode(demo, folder);
  expect(second).toMatch(/restored in \d+ ms: a snapshot, then 0 journal entries replayed/);
  expect(second).toContain('virtual date 2026-01-02; the ledger has 4 entries: ada 101.00 coins, bob 40.40 coins');
  expect(second).toContain('host: deposit(ada, 101) -> 202.00 coins');
  expect(second).toContain('[guest] day 2 (2026-01-03)');
  // the first run's guest output is not printed again: a restore does not call the host
  expect(second.match(/\[guest\]/g)).toHaveLength(1);

  expect(runNode(demo, folder, '--fresh')).toContain('a new sandbox');
}, 120_000);
