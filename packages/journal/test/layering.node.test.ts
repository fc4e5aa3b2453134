import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectLayering } from '../../../test-support/layering.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

describe('layering', () => {
  it('imports no package above the core (@xsb/sandbox, @xsb/plugin-*)', () => {
    // Core packages may use one another (and xs-wasm); never the sandbox or its plugins.
    expect(() => expectLayering(pkgDir, { allowed: [/^@xsb\/(xs-wasm|channel|membrane|journal)$/] })).not.toThrow();
  });
});
