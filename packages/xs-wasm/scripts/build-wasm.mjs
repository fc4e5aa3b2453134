#!/usr/bin/env node
// Compiles XS and the glue with Debian's emscripten into dist/wasm/xsb.{mjs,wasm}.
// Objects go to build/obj and are rebuilt only when their source or the flags change.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { buildId, defines, headers, includes, pkg, sources } from './xs-config.mjs';

const env = { ...process.env, NODE_PATH: process.env.NODE_PATH ?? '/usr/share/nodejs' };
// setjmp/longjmp as wasm exceptions: the default (JavaScript) lowering sends every call made
// inside a function that calls setjmp (XS's mxTry) through a JS wrapper, which took 40% of a
// small JSON.stringify (bench/NOTES.md).
const longjmp = '-sSUPPORT_LONGJMP=wasm';
const compileFlags = ['-O2', longjmp, '-fno-common', '-Wno-everything'];
// xsRun.c, the interpreter loop, is compiled for size (see flagsFor)
const runFlags = ['-Os'];
const id = buildId([compileFlags, `xsRun.c:${runFlags.join(' ')}`]);
const linkFlags = [
  '-O2',
  longjmp,
  '-sMODULARIZE=1',
  '-sEXPORT_ES6=1',
  '-sEXPORT_NAME=createXsbModule',
  '-sENVIRONMENT=web,worker',
  '-sFILESYSTEM=0',
  '-sALLOW_MEMORY_GROWTH=1',
  '-sINITIAL_MEMORY=4MB',
  '-sMAXIMUM_MEMORY=2GB',
  '-sTOTAL_STACK=1MB',
  '-sINVOKE_RUN=0',
  '-sEXIT_RUNTIME=0',
  '-sNODEJS_CATCH_EXIT=0',
  '-sNODEJS_CATCH_REJECTION=0',
  '-sDYNAMIC_EXECUTION=0',
  '-sEXPORTED_RUNTIME_METHODS=[]',
  `-sEXPORTED_FUNCTIONS=@${join(pkg, 'build/exports.json')}`,
  '--js-library',
  join(pkg, 'build/imports.js'),
];

const run = (cmd, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });

if (!existsSync(join(pkg, '../../moddable/xs/sources'))) {
  console.error('moddable/ has no XS sources: run `node scripts/fetch-xs.mjs` at the repository root first.');
  process.exit(1);
}
await run('node', [join(pkg, 'scripts/generate-ffi.mjs')]);

const objDir = join(pkg, 'build/obj');
mkdirSync(objDir, { recursive: true });
mkdirSync(join(pkg, 'dist/wasm'), { recursive: true });
const flagsStamp = join(objDir, 'flags');
const flags = [...compileFlags, ...defines.map((d) => `-D${d}`), ...includes.map((i) => `-I${i}`)];
// Only the glue sees the build id, so that a change to it does not recompile XS.
const glue = join(pkg, 'c/xsb.c');
// -Os keeps the interpreter loop under the size past which V8 compiles it with a weaker register
// allocator (slower code, larger frames): see bench/NOTES.md.
const flagsFor = (src) =>
  src === glue
    ? [...flags, `-DXSB_BUILD_ID="${id}"`]
    : basename(src) === 'xsRun.c'
      ? flags.flatMap((f) => (f === '-O2' ? runFlags : [f]))
      : flags;
const flagsChanged = !existsSync(flagsStamp) || readFileSync(flagsStamp, 'utf8') !== JSON.stringify([flags, runFlags]);
const headersChanged = Math.max(...headers().map((h) => statSync(h).mtimeMs));

const objects = [];
const stale = [];
for (const src of sources()) {
  const obj = join(objDir, `${basename(src, '.c')}.o`);
  objects.push(obj);
  if (
    flagsChanged ||
    src === glue ||
    !existsSync(obj) ||
    statSync(obj).mtimeMs < Math.max(statSync(src).mtimeMs, headersChanged)
  ) {
    stale.push([src, obj]);
  }
}
const started = Date.now();
const queue = [...stale];
await Promise.all(
  Array.from({ length: Math.max(1, availableParallelism()) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await run('emcc', [...flagsFor(job[0]), '-c', job[0], '-o', job[1]]);
  }),
);
writeFileSync(flagsStamp, JSON.stringify([flags, runFlags]));
await run('emcc', [...linkFlags, ...objects, '-o', join(pkg, 'dist/wasm/xsb.mjs')]);
writeFileSync(join(pkg, 'dist/wasm/build.json'), `${JSON.stringify({ buildId: id }, null, 2)}\n`);
const size = statSync(join(pkg, 'dist/wasm/xsb.wasm')).size;
console.log(
  `xs-wasm: compiled ${stale.length} of ${objects.length} sources and linked in ${((Date.now() - started) / 1000).toFixed(1)} s; xsb.wasm ${size} bytes, build ${id}`,
);
writeFileSync(
  join(pkg, 'dist/wasm/xsb.d.mts'),
  `// Written by scripts/build-wasm.mjs: the emscripten module factory, as the loader uses it.
declare const createXsbModule: (module: Record<string, unknown>) => Promise<unknown>;
export default createXsbModule;
`,
);
