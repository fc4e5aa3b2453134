import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectLayering } from '../../../test-support/layering.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

describe('layering', () => {
  it('of the @xsb packages imports only @xsb/sandbox', () => {
    expect(expectLayering(pkgDir, { allowed: [/^@xsb\/sandbox$/] })).toContain('@xsb/sandbox');
  });

  it('would be caught importing @xsb/sandbox if that were not allowed', () => {
    expect(() => expectLayering(pkgDir, { allowed: [] })).toThrow(/src\/index\.ts imports "@xsb\/sandbox"/);
  });
});
