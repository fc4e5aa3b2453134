// The real command, in a child process: what it prints and the status it exits with.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnNode } from '../../../test-support/child.js';

const bin = new URL('../src/bin.ts', import.meta.url);

/** A folder with these files; xsb runs in it. */
function folder(files: Record<string, string>): {
  dir: string;
  xsb: (args: string[], input?: string) => ReturnType<typeof spawnNode>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'xsb-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, xsb: (args, input) => spawnNode(bin, args, { cwd: dir, ...(input === undefined ? {} : { input }) }) };
}

const TICKS = `console.log('start', { a: [1, 'x'] }, Date.now());
let n = 0;
const t = setInterval(() => { n++; console.log('tick', n, 'at', Date.now()); if (n === 3) clearInterval(t) }, 1000);`;

describe('xsb run and resume', () => {
  it('runs a script and its timers in virtual time, saves it, and resumes it from the files', () => {
    const { xsb } = folder({ 'ticks.js': TICKS });
    const run = xsb(['run', 'ticks.js', '--journal', 'j', '--snapshot', 's']);
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toBe('start { a: [ 1, "x" ] } 0\ntick 1 at 1000\ntick 2 at 2000\ntick 3 at 3000\n');
    // resuming replays without printing again, then carries on (here: nothing left to run)
    expect(xsb(['resume', 'j', '--snapshot', 's'])).toMatchObject({ status: 0, stdout: '', stderr: '' });
    // and again: the journal the first resume appended to restores too
    expect(xsb(['resume', 'j', '--snapshot', 's'])).toMatchObject({ status: 0, stderr: '' });
    expect(xsb(['resume', 'j'])).toMatchObject({ status: 0, stderr: '' });
  });

  it('imports ES modules from disk, relative to the importer', () => {
    const { xsb } = folder({
      'main.mjs': `import { twice } from './twice.mjs'; console.log('module', twice(21));`,
      'twice.mjs': 'export const twice = (x) => x * 2;',
    });
    expect(xsb(['run', 'main.mjs'])).toMatchObject({ status: 0, stdout: 'module 42\n', stderr: '' });
  });

  it('stops a long virtual run, and resumes it where it stopped', () => {
    const { xsb } = folder({ 'forever.js': `let n = 0; setInterval(() => console.log('tick', ++n), 1000);` });
    const run = xsb(['run', 'forever.js', '--for', '2500', '--journal', 'j', '--snapshot', 's']);
    expect(run.stdout).toBe('tick 1\ntick 2\n');
    expect(run.stderr).toContain('stopped after 2500 ms of virtual time with 1 timer(s) pending');
    expect(xsb(['resume', 'j', '--snapshot', 's', '--for', '2000']).stdout).toBe('tick 3\ntick 4\n');
  });

  it('shows its progress replaying a long journal', () => {
    // each virtual second is a call into the guest: 600 of them make a journal of thousands of entries
    const { xsb } = folder({ 'many.js': 'let n = 0; setInterval(() => n++, 1000);' });
    expect(xsb(['run', 'many.js', '--for', '600000', '--journal', 'j'])).toMatchObject({ status: 0 });
    const resume = xsb(['resume', 'j', '--for', '1']);
    expect(resume.status).toBe(0);
    expect(resume.stderr).toMatch(
      /^replaying the journal: \d+ of \d+ entries\n(replaying the journal: \d+ of \d+ entries\n){5,}/,
    );
    expect(resume.stderr).toMatch(/replaying the journal: (\d+) of \1 entries/);
  });
});

describe('xsb exit statuses', () => {
  const { xsb, dir } = folder({
    'throws.js': 'throw new RangeError("boom")',
    'late.js': 'setTimeout(() => { throw new TypeError("later") }, 10)',
    'bad.js': 'let = ;',
    'loop.js': 'for (;;) {}',
    'timer-loop.js': 'setTimeout(() => { for (;;) {} }, 5)',
    'bomb.js': 'const a = []; for (;;) a.push(new Array(1e5).fill(1));',
    'ok.js': 'console.error("to stderr")',
  });

  it.each([
    ['a script that throws', ['run', 'throws.js'], 1, /^Uncaught RangeError: boom\n$/],
    ['a timer callback that throws', ['run', 'late.js'], 1, /Uncaught in a timer callback: TypeError: later/],
    ['a script that does not parse', ['run', 'bad.js'], 1, /^Uncaught SyntaxError: /],
    ['a missing file', ['run', 'missing.js'], 3, /ENOENT.*missing\.js/],
    ['an unknown command', ['walk'], 2, /unknown command "walk"\nusage:/],
    ['an unknown option', ['run', 'ok.js', '--fast'], 2, /xsb run has no option --fast/],
    ['a bad meter', ['run', 'ok.js', '--meter', 'lots'], 2, /--meter takes a whole number > 0, got "lots"/],
    ['a runaway loop under --meter', ['run', 'loop.js', '--meter', '100000'], 4, /meter units, beyond its limit/],
    [
      'a runaway timer in real time under --meter',
      ['run', 'timer-loop.js', '--meter', '100000', '--timers', 'real'],
      4,
      /meter units, beyond its limit/,
    ],
    ['a missing journal', ['resume', 'nothing'], 3, /ENOENT/],
  ])('%s', (_, args, status, stderr) => {
    const result = xsb(args as string[]);
    expect(result.status).toBe(status);
    expect(result.stderr).toMatch(stderr as RegExp);
  });

  it('a corrupt snapshot or journal, and files it would overwrite', () => {
    expect(xsb(['run', 'ok.js', '--journal', 'j', '--snapshot', 's'])).toMatchObject({ status: 0, stderr: 'to stderr\n' });
    const snapshot = readFileSync(join(dir, 's'));
    snapshot[snapshot.length >> 1]! ^= 0xff;
    writeFileSync(join(dir, 'bad-snapshot'), snapshot);
    expect(xsb(['resume', 'j', '--snapshot', 'bad-snapshot'])).toMatchObject({
      status: 3,
      stderr: expect.stringMatching(/snapshot/),
    });
    const journal = readFileSync(join(dir, 'j'));
    journal[40]! ^= 0xff;
    writeFileSync(join(dir, 'bad-journal'), journal);
    expect(xsb(['resume', 'bad-journal'])).toMatchObject({ status: 3, stderr: expect.stringMatching(/journal byte \d+/) });
    expect(xsb(['run', 'ok.js', '--journal', 'j'])).toMatchObject({
      status: 3,
      stderr: expect.stringMatching(/j exists already/),
    });
  });
});

describe('xsb run imports only from its modules root', () => {
  const SECRET = 'sk_live_cli_SECRET';
  const { xsb, dir } = folder({
    'app/passwd.mjs': `import text from '/etc/passwd'; console.log(text);`,
    'app/outside.mjs': `import secret from '../outside.js'; console.log(secret);`,
    'app/zero.mjs': `import zero from '/dev/zero'; console.log(zero);`,
    'app/zero-link.js': `import('./zero.js').then(() => console.log('read'), (e) => console.log(e.name + ': ' + e.message));`,
    'app/env.js': `import('../.env').then(() => console.log('read'), (e) => console.log(e.name + ': ' + e.message));`,
    'app/main.mjs': `import { twice } from '../lib/twice.mjs'; console.log('twice', twice(21));`,
    'lib/twice.mjs': 'export const twice = (x) => x * 2;',
    'outside.js': `export default '${SECRET}';`,
    '.env': `DB_PASSWORD=${SECRET}`,
    'ok.js': 'console.log("ok")',
  });
  symlinkSync('/dev/zero', join(dir, 'app/zero.js'));

  it.each([
    [
      '/etc/passwd',
      ['run', 'app/passwd.mjs'],
      /^Uncaught ModuleRefusedError: cannot import "\/etc\/passwd": absolute paths are refused/,
    ],
    [
      '../outside.js',
      ['run', 'app/outside.mjs'],
      /^Uncaught ModuleRefusedError: cannot import "..\/outside.js": from "\/outside.mjs" it leads out of the modules root/,
    ],
    [
      '/dev/zero under a meter',
      ['run', 'app/zero.mjs', '--meter', '1000000'],
      /^Uncaught ModuleRefusedError: cannot import "\/dev\/zero": absolute paths are refused/,
    ],
  ])('refuses %s: the guest threw, and no host path or content is shown', (_, args, stderr) => {
    const result = xsb(args as string[]);
    expect(result.stderr).toMatch(stderr as RegExp);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toContain(dir);
    expect(result.stderr).not.toContain(SECRET);
  });

  it('refuses a symlink to /dev/zero and a .env above the root, to import() in a script, without reading them', () => {
    expect(xsb(['run', 'app/zero-link.js', '--meter', '1000000'])).toEqual({
      status: 0,
      stdout:
        'ModuleRefusedError: cannot import "./zero.js": its file (after symlinks) is outside the modules root; copy it into the root instead\n',
      stderr: '',
    });
    expect(xsb(['run', 'app/env.js']).stdout).toMatch(
      /^ModuleRefusedError: cannot import "..\/.env": from "\/" it leads out of the modules root/,
    );
    // with the root above it, a .env is still no module
    expect(xsb(['run', 'app/env.js', '--modules-root', '.']).stdout).toBe(
      'ModuleRefusedError: cannot import "../.env": from "/" it leads out of the modules root; keep the guest\'s modules inside it\n',
    );
  });

  it('takes --modules-root, a folder that holds the script', () => {
    expect(xsb(['run', 'app/main.mjs'])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/leads out of the modules root/),
    });
    expect(xsb(['run', 'app/main.mjs', '--modules-root', '.'])).toEqual({ status: 0, stdout: 'twice 42\n', stderr: '' });
    expect(xsb(['run', 'app/main.mjs', '--modules-root', dir])).toMatchObject({ status: 0, stdout: 'twice 42\n' });
    // what the root holds, the guest may read: a root above the app hands it the app's neighbours
    expect(xsb(['run', 'app/outside.mjs', '--modules-root', '.'])).toEqual({ status: 0, stdout: `${SECRET}\n`, stderr: '' });
  });

  it.each([
    [
      'a missing folder',
      ['run', 'ok.js', '--modules-root', 'nowhere'],
      /--modules-root "nowhere" does not exist; give the folder/,
    ],
    ['a file', ['run', 'ok.js', '--modules-root', 'ok.js'], /--modules-root "ok.js" is not a folder; give the folder/],
    [
      'a root without the script',
      ['run', 'ok.js', '--modules-root', 'lib'],
      /ok.js is outside --modules-root lib; give a root that holds it/,
    ],
    ['no value', ['run', 'ok.js', '--modules-root'], /--modules-root needs a value/],
  ])('a usage error for %s', (_, args, stderr) => {
    const result = xsb(args as string[]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(stderr as RegExp);
  });
});

describe('xsb repl', () => {
  it('evaluates lines, moves time, shows the meter, saves and loads', () => {
    const { xsb } = folder({});
    const input = [
      'let x = 40',
      'x + 2',
      '({ a: [1, 2], s: "q" })',
      'setTimeout(() => console.log("fired at", Date.now()), 100)',
      '.time 150',
      '.meter',
      '.save saved',
      'x = 1',
      '.load saved',
      'x',
      'throw new Error("bad")',
      '.nope',
      '.exit',
      'never',
    ].join('\n');
    const result = xsb(['repl'], input);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'xsb repl: .help for commands',
      'undefined',
      '42',
      '{ a: [ 1, 2 ], s: "q" }',
      '1',
      'fired at 100',
      'virtual time 1970-01-01T00:00:00.150Z: 1 timer(s) fired',
      expect.stringMatching(/^meter: \d+ units used; per call: no limit$/),
      'saved in saved',
      '1',
      'loaded from saved',
      '40',
      '',
    ]);
    expect(result.stderr).toBe('Uncaught Error: bad\nunknown command .nope; .help lists them\n');
  });
});
