#!/usr/bin/env node
// Compiles the same XS sources and glue as the wasm build, natively with gcc -O2, plus host.c:
// the benchmark's reference point. Objects go to native/build and are rebuilt only when their
// source, a header of ours or the flags change.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defines, includes, pkg, sources } from '../../packages/xs-wasm/scripts/xs-config.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const output = join(here, 'xsb-native');
const objDir = join(here, 'build'); // ignored, as every build/ is
const cc = process.env.CC ?? 'gcc';
// One compiler at a time by default: the machine is shared with other builds. XSB_JOBS=2 to hurry.
const jobs = Math.max(1, Number(process.env.XSB_JOBS ?? 1));
const flags = [cc, '-O2', '-fno-common', '-w', ...defines.map((d) => `-D${d}`), ...includes.map((i) => `-I${i}`)];

const run = (cmd, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.at(-1)} exited with ${code}`))));
  });

if (!existsSync(join(pkg, '../../moddable/xs/sources'))) {
  console.error('moddable/ has no XS sources: run `node scripts/fetch-xs.mjs` at the repository root first.');
  process.exit(1);
}
mkdirSync(objDir, { recursive: true });
const stamp = join(objDir, 'flags');
const flagsChanged = !existsSync(stamp) || readFileSync(stamp, 'utf8') !== JSON.stringify(flags);
const headerTime = statSync(join(pkg, 'c/xsb_platform.h')).mtimeMs;

const objects = [];
const stale = [];
for (const src of [...sources(), join(here, 'host.c')]) {
  const obj = join(objDir, `${basename(src, '.c')}.o`);
  objects.push(obj);
  if (flagsChanged || !existsSync(obj) || statSync(obj).mtimeMs < Math.max(statSync(src).mtimeMs, headerTime))
    stale.push([src, obj]);
}
const relink = stale.length > 0 || !existsSync(output);
const started = Date.now();
const queue = [...stale];
await Promise.all(
  Array.from({ length: jobs }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await run(flags[0], [...flags.slice(1), '-c', job[0], '-o', job[1]]);
  }),
);
writeFileSync(stamp, JSON.stringify(flags));
if (relink) {
  await run(cc, ['-O2', ...objects, '-o', output, '-lm', '-ldl', '-lpthread']);
  console.error(
    `xsb-native: compiled ${stale.length} of ${objects.length} sources and linked in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
