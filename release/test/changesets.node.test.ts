// The release flow, dry: `changeset version` run on a copy of the workspace's manifests and
// changesets bumps the packages the changesets name and writes their CHANGELOGs.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const changeset = join(repo, 'node_modules/@changesets/cli/bin.js');

it('versions the packages the pending changesets name, and writes their changelogs', () => {
  const pending = readdirSync(join(repo, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md');
  expect(pending.length).toBeGreaterThan(0);

  const copy = mkdtempSync(join(tmpdir(), 'xsb-changesets-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml', '.changeset'])
    cpSync(join(repo, file), join(copy, file), { recursive: true });
  for (const parent of ['packages', 'examples']) {
    for (const name of readdirSync(join(repo, parent))) {
      mkdirSync(join(copy, parent, name), { recursive: true });
      cpSync(join(repo, parent, name, 'package.json'), join(copy, parent, name, 'package.json'));
    }
  }
  for (const name of ['bench', 'hostile', 'release']) {
    mkdirSync(join(copy, name));
    cpSync(join(repo, name, 'package.json'), join(copy, name, 'package.json'));
  }
  execFileSync(process.execPath, [changeset, 'version'], { cwd: copy, stdio: 'pipe' });

  const sandbox = JSON.parse(readFileSync(join(copy, 'packages/sandbox/package.json'), 'utf8')) as { version: string };
  expect(sandbox.version).not.toBe('0.0.0');
  const changelog = readFileSync(join(copy, 'packages/sandbox/CHANGELOG.md'), 'utf8');
  expect(changelog).toMatch(new RegExp(`^# @xsb/sandbox\\n\\n## ${sandbox.version.replaceAll('.', '\\.')}`));
  // consumed: the changesets are gone once they are in the changelogs
  expect(readdirSync(join(copy, '.changeset')).filter((name) => name.endsWith('.md') && name !== 'README.md')).toEqual([]);
  // private packages are not released
  expect(existsSync(join(copy, 'hostile/CHANGELOG.md'))).toBe(false);
}, 120_000);
