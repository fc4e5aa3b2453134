import { describe, expect, it } from 'vitest';
import { loadEngine } from '@xsb/xs-wasm';

describe('smoke', () => {
  it('evaluates', async () => {
    const engine = await loadEngine();
    const m = engine.createMachine();
    expect(m.evaluate('1 + 2')).toBe(3);
    expect(m.evaluate('Object.getOwnPropertyNames(globalThis).sort().join()')).toBe('');
  });
});
