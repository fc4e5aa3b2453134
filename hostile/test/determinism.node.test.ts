// Determinism across processes: the same calls (both plugins, the virtual clock moved, Math.random
// drawn, Dates read, a snapshot midway) write the same bytes in any Node.js process, and a process
// that resumes from the midway snapshot ends where the original did. Separate processes share no
// engine, no wasm instance, no V8 heap and no module state, so nothing but the inputs can agree.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runInChildProcess } from '../../test-support/child.js';
import { STEPS } from './life.js';

interface Digest {
  readonly sha256: string;
  readonly length: number;
}
interface Recorded {
  readonly snapshot: Digest;
  readonly journalAtSnapshot: Digest;
  readonly journal: Digest;
  readonly final: Digest;
  readonly results: unknown[];
}
interface Resumed {
  readonly replayed: number;
  readonly journal: Digest;
  readonly final: Digest;
  readonly results: unknown[];
}

const child = new URL('./fixtures/determinism.ts', import.meta.url);

it('writes byte-identical journals and snapshots in 2 processes, and a 3rd resumes to the same final snapshot', () => {
  const folders = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'xsb-determinism-')));
  // the host's time zone and clock differ between them: the guest sees neither
  const [first, second] = folders.map(
    (folder, i) =>
      runInChildProcess({ script: child, env: { TZ: ['UTC', 'Pacific/Chatham'][i]! } }, 'record', folder) as Recorded,
  );
  expect(first!.results).toHaveLength(STEPS.length);
  // not trivially equal: the life drew random numbers and read the clock
  expect(new Set(first!.results.filter((r) => typeof r === 'number')).size).toBeGreaterThan(10);
  expect(second).toEqual(first);
  for (const key of ['snapshot', 'journalAtSnapshot', 'journal', 'final'] as const) {
    expect(first![key].sha256, key).toMatch(/^[0-9a-f]{64}$/);
    expect(first![key].length, key).toBeGreaterThan(1000);
  }

  const third = runInChildProcess(child, 'resume', folders[0]!) as Resumed;
  const midway = STEPS.findIndex((step) => step.name === 'snapshot');
  // from the snapshot: nothing to replay after it, since the journal ends there
  expect(third.replayed).toBe(0);
  expect(third.results).toEqual(first!.results.slice(midway + 1));
  expect(third.final).toEqual(first!.final);
  expect(third.journal).toEqual(first!.journal);
}, 60_000);
