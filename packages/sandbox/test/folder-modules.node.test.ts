// folderModuleHost: the guest's modules come from one folder and the packages the host names,
// and nothing else the host can read: not other files, not devices, not Node's built-ins. Every
// refusal says what to do and names no host path and no file's content.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSandbox, loadEngine, MemorySink, ModuleRefusedError, restoreSandbox, SandboxOptionsError } from '@xsb/sandbox';
import { folderModuleHost } from '@xsb/sandbox/node';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();
const SECRET = 'sk_live_SECRET_4242';

/** A temp folder: `root` (the modules) beside `secret` and `outside.js`, which it must not reach. */
function tree(): { base: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'xsb-modules-'));
  const files: Record<string, string> = {
    'secret/creds.json': JSON.stringify({ dbPassword: SECRET }),
    'secret/.env': `DB_PASSWORD=${SECRET}\n`,
    'outside.js': `module.exports = '${SECRET}'`,
    'root/main.mjs': `import { twice } from './lib/twice.js'; export const answer = twice(21);`,
    'root/lib/twice.js': 'export const twice = (x) => x * 2;',
    'root/lib/late.js': 'export const late = "late";',
    'root/lib/cjs.js': `module.exports = { start: require('./data.json').start, c: require('./c'), file: __filename };`,
    'root/lib/data.json': '{ "start": 10 }',
    'root/lib/c.js': 'module.exports = "c";',
    'root/.env': `DB_PASSWORD=${SECRET}\n`,
    'root/notes.txt': SECRET,
    'root/big.js': `// ${'x'.repeat(2 << 20)}`,
    'root/node_modules/pkg/package.json': JSON.stringify({ name: 'pkg', main: 'main.js' }),
    'root/node_modules/pkg/main.js': `module.exports = { name: 'pkg ' + require('./util').x, file: __filename };`,
    'root/node_modules/pkg/util.js': 'exports.x = "util";',
    'root/node_modules/other/index.js': `module.exports = '${SECRET}'`,
    'root/node_modules/evil/package.json': JSON.stringify({ name: 'evil', main: '../../../outside.js' }),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, name)), { recursive: true });
    writeFileSync(join(base, name), text);
  }
  symlinkSync(join(base, 'outside.js'), join(base, 'root/link-out.js'));
  symlinkSync(join(base, 'secret'), join(base, 'root/secret-link'));
  symlinkSync('/dev/zero', join(base, 'root/zero.js'));
  execFileSync('mkfifo', [join(base, 'root/fifo.js')]);
  return { base, root: join(base, 'root') };
}

/** What a call threw, checked to carry no host path and no secret. */
function refusal(base: string, run: () => unknown): { name: string; message: string } {
  let error: unknown;
  try {
    run();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(Error);
  const { name, message } = error as Error;
  for (const path of [base, realpathSync(base), tmpdir()]) expect(message).not.toContain(path);
  expect(message).not.toContain(SECRET);
  return { name, message };
}

describe('folderModuleHost', () => {
  it('imports ES modules, CommonJS with Node extension lookup, and allowed packages, by root-relative names', () => {
    const { root } = tree();
    using sandbox = createSandbox({ engine, modules: folderModuleHost({ root, packages: ['pkg'] }) });
    expect(sandbox.evaluateModule('./main.mjs')).toMatchObject({ answer: 42 });
    const cjs = sandbox.evaluateCommonJsModule(
      `module.exports = { lib: require('./lib/cjs.js'), pkg: require('pkg'), also: require('pkg/util.js').x }`,
      '/setup.js',
    );
    expect(cjs).toEqual({
      lib: { start: 10, c: 'c', file: '/lib/cjs.js' },
      pkg: { name: 'pkg util', file: '/node_modules/pkg/main.js' },
      also: 'util',
    });
  });

  it.each([
    ['an absolute path', '/etc/passwd', /"\/etc\/passwd": absolute paths are refused; import a file under the modules root/],
    ['a .. out of the root', '../secret/creds.json', /leads out of the modules root/],
    ['a .. that climbs back in and out', './lib/../../outside.js', /leads out of the modules root/],
    [
      'a bare path with ..',
      'x/../../secret/creds.json',
      /expected a relative path such as "\.\/lib\.js" or an allowed package name/,
    ],
    ['node:fs', 'node:fs', /URLs and Node built-ins \("node:", "file:", …\) are refused/],
    ['a bare built-in', 'fs', /the package "fs" is not one this module host allows; the host may add it to packages/],
    ['a file: URL', 'file:///etc/passwd', /URLs and Node built-ins/],
    ['a package not allowed', 'other', /the package "other" is not one this module host allows/],
    ['a package whose main leaves the root', 'evil', /outside the modules root; copy it into the root instead/],
    ['a symlink out', './link-out.js', /outside the modules root/],
    ['a symlinked folder out', './secret-link/creds.json', /outside the modules root/],
    ['a symlink to /dev/zero', './zero.js', /outside the modules root/],
    ['a fifo', './fifo.js', /"\/fifo.js" is not a regular file/],
    [
      'a file over maxBytes',
      './big.js',
      /"\/big.js" is 2097155 bytes, more than the 1048576 this module host allows \(maxBytes\)/,
    ],
    ['a .env', './.env', /"\/.env" is not a module: only .js, .mjs, .cjs, .json files are/],
    ['a .env out of the root', '../secret/.env', /leads out of the modules root/],
    ['a text file', './notes.txt', /"\/notes.txt" is not a module/],
    ['a folder without an index', './lib', /no module "\/lib" under the modules root/],
    ['a missing file', './nope.js', /no module "\/nope.js" under the modules root .*; check the spelling/],
  ])('refuses %s, from require, import and import()', async (_, specifier, reason) => {
    const { base, root } = tree();
    using sandbox = createSandbox({ engine, modules: folderModuleHost({ root, packages: ['pkg', 'evil'] }) });
    const globals = () => sandbox.evaluate('Object.getOwnPropertyNames(globalThis).join()');
    const before = globals();
    const fromRequire = refusal(base, () => sandbox.evaluateCommonJsModule(`require(${JSON.stringify(specifier)})`, '/main.js'));
    expect(fromRequire.message).toMatch(reason);
    expect(fromRequire.name).toMatch(/^Module(Refused|NotFound)Error$/);
    expect(refusal(base, () => sandbox.evaluateModule(specifier)).message).toMatch(reason);
    // a plain script reaches the module host too, through import()
    const dynamic = (await sandbox.evaluate(
      `import(${JSON.stringify(specifier)}).then(() => 'loaded', (e) => e.name + ': ' + e.message)`,
    )) as string;
    expect(dynamic).toMatch(reason);
    expect(dynamic).not.toContain(SECRET);
    expect(dynamic).not.toContain(base);
    // nothing ran: no text file set a global as sloppy code would
    expect(globals()).toBe(before);
  });

  it('never reads past maxBytes, and checks the file it opened', () => {
    const { base, root } = tree();
    const host = folderModuleHost({ root, maxBytes: 34 });
    expect(host.load('/lib/twice.js')).toBe('export const twice = (x) => x * 2;');
    const small = folderModuleHost({ root, maxBytes: 10 });
    expect(refusal(base, () => small.load('/lib/twice.js')).message).toMatch(/is 34 bytes, more than the 10/);
    expect(refusal(base, () => host.load('/fifo.js'))).toMatchObject({ name: 'ModuleRefusedError' });
    expect(refusal(base, () => host.load('/zero.js')).message).toMatch(/not where it was resolved/);
    expect(refusal(base, () => host.load('/../secret/creds.json')).message).toMatch(/expected a name this module host resolved/);
    expect(refusal(base, () => host.load('lib/twice.js')).message).toMatch(/expected a name this module host resolved/);
    expect(refusal(base, () => host.load('/.env')).message).toMatch(/is not a module/);
    expect(refusal(base, () => host.load('/nope.js'))).toMatchObject({ name: 'ModuleNotFoundError' });
    expect(() => host.resolve('/etc/passwd', undefined)).toThrow(ModuleRefusedError);
  });

  it('journals root-relative names: a restore from another folder imports the same', () => {
    const { base, root } = tree();
    const sink = new MemorySink();
    const sandbox = createSandbox({ engine, modules: folderModuleHost({ root }), journal: sink });
    expect(sandbox.evaluateModule('./main.mjs')).toMatchObject({ answer: 42 });
    const journal = sink.bytes();
    sandbox.dispose();
    expect(Buffer.from(journal).includes(base)).toBe(false);
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'xsb-modules-copy-')), 'root');
    cpSync(root, elsewhere, { recursive: true, filter: (path) => !path.endsWith('fifo.js') });
    const { sandbox: restored } = restoreSandbox({ engine, journal, modules: folderModuleHost({ root: elsewhere }) });
    expect(restored.evaluateModule('./main.mjs')).toMatchObject({ answer: 42 });
    expect(restored.evaluateModule('./lib/late.js')).toMatchObject({ late: 'late' });
    restored.dispose();
  });

  it('refuses options it cannot use, listing every problem', () => {
    const { root } = tree();
    expect(() => folderModuleHost({ root: join(root, 'missing'), packages: ['../up'], maxBytes: 0 })).toThrow(
      SandboxOptionsError,
    );
    expect(() => folderModuleHost({ root: join(root, 'missing'), packages: ['../up'], maxBytes: 0 })).toThrow(
      /root ".*missing" does not exist; give the folder of the modules; packages is an array; expected package names such as \["lodash", "@scope\/name"\]; maxBytes is 0; expected a whole number > 0/,
    );
    expect(() => folderModuleHost({ root: join(root, 'main.mjs') })).toThrow(/is not a folder/);
  });
});

describe('the default resolve', () => {
  it('collapses . and .. in every specifier, never above the top', () => {
    const loaded: string[] = [];
    using sandbox = createSandbox({
      engine,
      modules: {
        load(name) {
          loaded.push(name);
          return 'module.exports = 1';
        },
      },
    });
    sandbox.evaluateCommonJsModule(
      ['./a.js', '../../../../etc/passwd', 'x/../../secret/creds.js', '/a/../../b.js', 'lodash', './lib/./c.js']
        .map((specifier) => `require(${JSON.stringify(specifier)})`)
        .join(';'),
      '/app/main.js',
    );
    expect(loaded).toEqual(['/app/a.js', '/etc/passwd', 'secret/creds.js', '/b.js', 'lodash', '/app/lib/c.js']);
  });
});
