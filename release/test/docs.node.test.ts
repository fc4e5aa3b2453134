// `pnpm docs` works: typedoc builds the API reference of every publishable package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));

it('generates the API reference with typedoc', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'xsb-docs-')), 'api');
  execFileSync('pnpm', ['-s', 'docs', '--out', out, '--logLevel', 'Error'], { cwd: repo, stdio: 'pipe' });
  const page = readFileSync(join(out, 'functions/_xsb_sandbox.createSandbox.html'), 'utf8');
  expect(page).toContain('A new sandbox, synchronously');
  for (const name of [
    'sandbox',
    'plugin-timers',
    'plugin-metering',
    'plugin-console',
    'cli',
    'journal',
    'membrane',
    'channel',
    'xs-wasm',
  ]) {
    expect(existsSync(join(out, `modules/_xsb_${name}.html`)), name).toBe(true);
  }
}, 240_000);
