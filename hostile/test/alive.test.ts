// The suite's baseline: a sandbox, used as intended, works (every hostile test compares to it).
import { createSandbox, loadEngine } from '@xsb/sandbox';
import { expect, it } from 'vitest';

it('runs a guest as intended', async () => {
  using sandbox = createSandbox({ engine: await loadEngine() });
  expect(sandbox.evaluate('[1, 2, 3].map((x) => x * 2).join()')).toBe('2,4,6');
});
