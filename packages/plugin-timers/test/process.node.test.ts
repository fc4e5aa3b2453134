import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Timers, timersPlugin } from '@xsb/plugin-timers';
import { createSandbox, loadEngine, MemorySink } from '@xsb/sandbox';
import { expect, it } from 'vitest';
import { runInChildProcess } from '../../../test-support/child.js';

it('restores in a second Node.js process from the snapshot and journal the first saved', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'xsb-sandbox-'));
  const journal = new MemorySink();
  const printed: string[] = [];
  const sandbox = createSandbox({
    engine: await loadEngine(),
    plugins: [timersPlugin],
    endowments: { print: (line: string) => printed.push(line) },
    journal,
  });
  sandbox.evaluate('var count = 0; setInterval(() => { count++; print("tick " + count + " at " + Date.now()) }, 300)');
  (sandbox.plugins.timers as Timers).advance(700);
  writeFileSync(join(folder, 'snapshot'), sandbox.snapshot());
  (sandbox.plugins.timers as Timers).advance(200);
  writeFileSync(join(folder, 'journal'), journal.bytes());
  sandbox.dispose();
  expect(printed).toEqual(['tick 1 at 300', 'tick 2 at 600', 'tick 3 at 900']);

  const output = runInChildProcess(new URL('./fixtures/resume-in-child.ts', import.meta.url), folder);
  // the tick at 900 fired before the journal was saved: the child replays it (without printing) and goes on
  expect(output).toEqual({
    replayed: expect.any(Number),
    before: 3,
    after: 6,
    now: 1_900,
    printed: ['tick 4 at 1200', 'tick 5 at 1500', 'tick 6 at 1800'],
  });
}, 60_000);
