// Every plugin's layering test: a plugin sees only @xsb/sandbox, and the check would catch it
// reaching for it if it were not allowed (so the scan cannot pass by finding nothing).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectLayering } from './layering.js';

/** Defines the layering tests of the plugin whose test file is at `testUrl` (import.meta.url). */
export function describePluginLayering(testUrl: string): void {
  const pkgDir = fileURLToPath(new URL('..', testUrl));
  describe('layering', () => {
    it('of the @xsb packages imports only @xsb/sandbox', () => {
      expect(expectLayering(pkgDir, { allowed: [/^@xsb\/sandbox$/] })).toContain('@xsb/sandbox');
    });

    it('would be caught importing @xsb/sandbox if that were not allowed', () => {
      expect(() => expectLayering(pkgDir, { allowed: [] })).toThrow(/src\/index\.ts imports "@xsb\/sandbox"/);
    });
  });
}
