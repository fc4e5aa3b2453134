// The publishable packages as npm would ship them: packed with pnpm (workspace: versions become
// real ones), installed into an empty folder outside the workspace with plain npm, and used.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PUBLISHABLE = [
  'xs-wasm',
  'channel',
  'membrane',
  'journal',
  'sandbox',
  'plugin-timers',
  'plugin-metering',
  'plugin-console',
  'cli',
];

const sh = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe' });

/** Bytes under a folder. */
function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

it('installs from packed tarballs with npm, outside the workspace, and works', () => {
  const work = mkdtempSync(join(tmpdir(), 'xsb-pack-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const name of PUBLISHABLE) sh('pnpm', ['pack', '--pack-destination', tarballs], join(repo, 'packages', name));
  const packed = readdirSync(tarballs).sort();
  expect(packed).toHaveLength(PUBLISHABLE.length);

  // @xsb/sandbox has no third-party runtime dependencies: only its own @xsb packages
  for (const name of ['sandbox', 'journal', 'membrane', 'channel', 'xs-wasm']) {
    const manifest = JSON.parse(readFileSync(join(repo, 'packages', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies ?? {}).filter((dep) => !dep.startsWith('@xsb/'))).toEqual([]);
  }

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packed.map((file) => join(tarballs, file))], app);
  cpSync(fileURLToPath(new URL('./consumer/use.mjs', import.meta.url)), join(app, 'use.mjs'));
  expect(JSON.parse(sh('node', ['use.mjs'], app))).toEqual({ module: 42, fired: '50', meter: true, restored: 1 });

  // the CLI's bin, as npm linked it
  writeFileSync(join(app, 'hello.js'), 'setTimeout(() => console.log("hello at", Date.now()), 10)');
  expect(sh(join(app, 'node_modules/.bin/xsb'), ['run', 'hello.js'], app)).toBe('hello at 10\n');

  // what the install brings in, for the README
  const installed = readdirSync(join(app, 'node_modules/@xsb'));
  expect(installed.sort()).toEqual(PUBLISHABLE.slice().sort());
  const everything = readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'));
  expect(everything).toEqual(['@xsb']);
  // the packed types as a strict user's compiler reads them, libraries' included (skipLibCheck off),
  // every entry and the wasm's subpath
  const entries = [
    ...PUBLISHABLE.filter((name) => name !== 'cli').map((name) => `@xsb/${name}`),
    '@xsb/journal/node',
    '@xsb/sandbox/node',
  ];
  writeFileSync(
    join(app, 'types.ts'),
    `${entries.map((entry) => `import '${entry}';`).join('\n')}\nimport wasm from '@xsb/xs-wasm/xsb.wasm';\nexport const url: string | WebAssembly.Module = wasm;\n`,
  );
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    lib: ['ES2022', 'DOM', 'ESNext.Disposable'],
    types: ['node'],
    typeRoots: [join(repo, 'node_modules/@types')],
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['types.ts'] }));
  sh(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', app], app);

  // source maps that a user's debugger and bundler can use: each one named is packed, and names
  // the package's own src/, whose text it carries (src is not packed)
  for (const name of installed) {
    const dist = join(app, 'node_modules/@xsb', name, 'dist');
    for (const file of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
      const named = /\/\/# sourceMappingURL=(.+)\s*$/.exec(readFileSync(join(dist, file), 'utf8'))?.[1];
      if (!named) continue;
      const map = JSON.parse(readFileSync(join(dist, named), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      for (const [i, source] of map.sources.entries()) {
        expect(source, `${name}/dist/${named}`).toMatch(/^\.\.\/src\/[\w./-]+\.ts$/);
        expect(typeof map.sourcesContent?.[i], `${name}/dist/${named}: ${source}`).toBe('string');
      }
    }
  }
  const size = sizeOf(join(app, 'node_modules'));
  console.log(`npm install of the packed packages: ${installed.length} packages, ${(size / 1024).toFixed(0)} KiB`);
  expect(size).toBeLessThan(4 * 1024 * 1024);
}, 300_000);
