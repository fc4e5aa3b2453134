import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, loadEngine, MemorySink } from '@xsb/sandbox';
import { expect, it } from 'vitest';
import { runInChildProcess } from '../../../test-support/child.js';
import { type Main, moduleHost } from './fixtures/app.js';

it('restores in a second Node.js process, where the host finds its modules and roots again', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'xsb-sandbox-'));
  const journal = new MemorySink();
  const loaded: string[] = [];
  const sandbox = createSandbox({
    engine: await loadEngine(),
    modules: moduleHost(loaded),
    endowments: { unit: 'coins' },
    journal,
  });
  const main = sandbox.evaluateModule('/app/main.js') as Main;
  sandbox.keep('format', sandbox.evaluateCommonJsModule('module.exports = require("./format.cjs")', '/app/keep.cjs'));
  expect(main.ledger.add(1)).toBe(1);
  writeFileSync(join(folder, 'snapshot'), sandbox.snapshot());
  expect(await main.later(2)).toBe(3);
  writeFileSync(join(folder, 'journal'), journal.bytes());
  sandbox.dispose();
  expect(loaded).toEqual(['/app/main.js', '/app/ledger.js', '/app/format.cjs']);

  // the child replays the call after the snapshot, loads nothing it had, and report.js when first imported
  expect(runInChildProcess(new URL('./fixtures/resume-in-child.ts', import.meta.url), folder)).toEqual({
    replayed: expect.any(Number),
    total: 3,
    added: 8,
    formatted: '#8',
    later: 18,
    report: '1 + 2 + 5 + 10 = 18',
    unit: 'coins',
    loaded: ['/app/report.js'],
  });
}, 60_000);
