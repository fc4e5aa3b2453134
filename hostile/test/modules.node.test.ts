// A guest against the module host (issue 20): the host's own files are the prize. Each finding
// that once read a host secret is tried against folderModuleHost, the host the README and the
// CLI now use: it must refuse, say so without a host path or a file's content, and leave the
// guest's globals as they were (a text file required as sloppy CommonJS would set globals).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSandbox, loadEngine, type Sandbox } from '@xsb/sandbox';
import { folderModuleHost } from '@xsb/sandbox/node';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();
const SECRET = 'sk_live_HOSTILE_7731';

// the host's secrets sit beside the modules' root, as a project's config and .env would
const base = mkdtempSync(join(tmpdir(), 'xsb-hostile-modules-'));
const root = join(base, 'app');
const files: Record<string, string> = {
  'config.json': JSON.stringify({ dbPassword: SECRET }),
  'secret/creds.json': JSON.stringify({ dbPassword: SECRET }),
  'secret/.env': `DB_PASSWORD=${SECRET}\n`,
  'tool.js': `module.exports = { key: '${SECRET}' }`,
  'app/main.js': 'module.exports = "main"',
  'app/.env': `DB_PASSWORD=${SECRET}\n`,
};
for (const [name, text] of Object.entries(files)) {
  mkdirSync(dirname(join(base, name)), { recursive: true });
  writeFileSync(join(base, name), text);
}
symlinkSync(join(base, 'secret'), join(root, 'linked'));
symlinkSync('/dev', join(root, 'devices'));
symlinkSync('/dev/zero', join(root, 'zero.js'));
execFileSync('mkfifo', [join(root, 'pipe.js')]);
const hostPaths = [base, realpathSync(base), tmpdir()];

/** What the guest got for `specifier` from require, a static import and a script's import(). */
async function attempt(sandbox: Sandbox, specifier: string): Promise<string[]> {
  const quoted = JSON.stringify(specifier);
  const outcomes: string[] = [];
  const caught = (run: () => unknown) => {
    try {
      outcomes.push(`loaded ${JSON.stringify(run())}`);
    } catch (error) {
      outcomes.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  caught(() => sandbox.evaluateCommonJsModule(`module.exports = require(${quoted})`, '/attempt.js'));
  caught(() => sandbox.evaluateModule(specifier));
  outcomes.push(
    (await sandbox.evaluate(
      `import(${quoted}).then((ns) => 'loaded ' + JSON.stringify(ns), (e) => e.name + ': ' + e.message)`,
    )) as string,
  );
  return outcomes;
}

describe('the confined module host against a guest after the host files', () => {
  it.each([
    ["an absolute path to the host's config", join(base, 'config.json')],
    ['/etc/passwd', '/etc/passwd'],
    ['any .js file on the host', join(base, 'tool.js')],
    ['a .. out of the root', '../config.json'],
    ['a text file above the root (sloppy CommonJS would run it)', '../secret/.env'],
    ['a text file in the root', './.env'],
    ['a bare name that climbs', 'x/../../secret/creds.json'],
    ['a symlinked folder out', './linked/creds.json'],
    ['/dev/zero through a symlink', './zero.js'],
    ['/dev/zero through a symlinked folder', './devices/zero'],
    ['a fifo', './pipe.js'],
    ['node:fs', 'node:fs'],
    ['a bare built-in', 'fs'],
    ['file:///etc/passwd', 'file:///etc/passwd'],
    ['a data: URL', 'data:text/javascript,export default 1'],
    ['a missing file', './missing.js'],
  ])('refuses %s, without a host path or its content', async (_, specifier) => {
    using sandbox = createSandbox({ engine, modules: folderModuleHost({ root }) });
    const globals = sandbox.evaluate('Object.getOwnPropertyNames(globalThis).join()');
    const outcomes = await attempt(sandbox, specifier);
    for (const outcome of outcomes) {
      expect(outcome).toMatch(/^Module(Refused|NotFound)Error: cannot import /);
      expect(outcome).not.toContain(SECRET);
      for (const path of hostPaths) if (!specifier.startsWith(path)) expect(outcome).not.toContain(path);
    }
    expect(sandbox.evaluate('typeof DB_PASSWORD')).toBe('undefined');
    expect(sandbox.evaluate('Object.getOwnPropertyNames(globalThis).join()')).toBe(globals);
    // and the sandbox goes on
    expect(sandbox.evaluateCommonJsModule('module.exports = require("./main.js")', '/start.js')).toBe('main');
  });

  it('keeps a careful host that joins names onto its folder in that folder, with the default resolve', () => {
    const asked: string[] = [];
    const read = (name: string) => {
      asked.push(name);
      return readFileSync(join(root, name), 'utf8');
    };
    using sandbox = createSandbox({ engine, modules: { load: read } });
    for (const specifier of ['x/../../secret/creds.json', '../../secret/creds.json', '/../config.json']) {
      expect(() => sandbox.evaluateCommonJsModule(`module.exports = require(${JSON.stringify(specifier)})`, '/main.js')).toThrow(
        /ENOENT/,
      );
    }
    expect(asked).toEqual(['secret/creds.json', '/secret/creds.json', '/config.json']);
    for (const name of asked) expect(join(root, name).startsWith(`${root}/`)).toBe(true);
  });
});
