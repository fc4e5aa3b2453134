import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectLayering, importSpecifiers } from '../../../test-support/layering.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

describe('layering', () => {
  it('composes the core and never imports a plugin', () => {
    expect(() => expectLayering(pkgDir, { allowed: [/^@xsb\/(xs-wasm|channel|membrane|journal)$/] })).not.toThrow();
  });

  it('is seen through: the scan finds its own modules', () => {
    expect(expectLayering(pkgDir, { allowed: [/^@xsb\/(xs-wasm|channel|membrane|journal)$/] })).toEqual(
      expect.arrayContaining(['./errors.js', './plugin.js', './sandbox.js', '@xsb/journal']),
    );
  });
});

// The scanner every package's layering test relies on, checked once here.
describe('importSpecifiers', () => {
  it('finds static, re-exported, type-only, side-effect and dynamic imports', () => {
    const source = [
      "import { a, type B } from '@xsb/channel';",
      "import type { C } from './c.js';",
      'import * as d from "node:fs";',
      'import e, {',
      '  f,',
      "} from '@xsb/plugin-timers';",
      "import './side-effect.js';",
      "export { g } from '../outside.js';",
      "export * from '@xsb/membrane';",
      "export type { H } from './h.js';",
      "const lazy = () => import('@xsb/journal');",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([
      '@xsb/channel',
      './c.js',
      'node:fs',
      '@xsb/plugin-timers',
      './side-effect.js',
      '../outside.js',
      '@xsb/membrane',
      './h.js',
      '@xsb/journal',
    ]);
  });

  it('ignores comments, strings and declarations that only look like imports', () => {
    const source = [
      "// import { x } from '@xsb/plugin-timers';",
      "/* export * from '@xsb/plugin-metering'; */",
      "const url = 'https://example.com/import';",
      "export const from = 'from';",
      'const text = "import y from \'@xsb/sandbox\'";',
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([]);
  });
});
