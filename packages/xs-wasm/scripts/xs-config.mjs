// What the wasm build and the native benchmark build share: sources, defines, include paths.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repo = join(pkg, '../..');
export const xs = join(repo, 'moddable/xs');

export const defines = [
  'INCLUDE_XSPLATFORM',
  'XSPLATFORM="xsb_platform.h"',
  'mxUseDefaultCStackLimit=0',
  ...[
    'mxMetering',
    'mxParse',
    'mxRun',
    'mxSloppy',
    'mxSnapshot',
    'mxRegExpUnicodePropertyEscapes',
    'mxStringNormalize',
    'mxMinusZero',
    'mxBoundsCheck',
    'mxNoConsole',
    'mxLockdown',
    'mxCESU8',
  ].map((d) => `${d}=1`),
];

export const includes = [join(pkg, 'c'), join(xs, 'includes'), join(xs, 'platforms'), join(xs, 'sources')];

export function sources() {
  const xsSources = readdirSync(join(xs, 'sources'))
    .filter((f) => f.endsWith('.c'))
    .map((f) => join(xs, 'sources', f));
  return [...xsSources.sort(), join(pkg, 'c/xsb.c')];
}

/** The headers every source includes (patches change them too). */
export function headers() {
  const dirs = [join(xs, 'includes'), join(xs, 'platforms'), join(xs, 'sources')];
  const xsHeaders = dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.h'))
      .map((f) => join(dir, f)),
  );
  return [...xsHeaders.sort(), join(pkg, 'c/xsb_platform.h')];
}

/** Identifies the engine: XS sources and headers, glue and flags. Snapshots only restore on the same id. */
/** The glue's files that c/xsb.c includes rather than the build compiling them (c/xsb_wire.c). */
export function glueParts() {
  return readdirSync(join(pkg, 'c'))
    .filter((f) => f.endsWith('.c') && f !== 'xsb.c')
    .sort()
    .map((f) => join(pkg, 'c', f));
}

export function buildId(flags) {
  const hash = createHash('sha256');
  for (const file of [...sources(), ...headers(), ...glueParts()]) hash.update(readFileSync(file));
  hash.update(JSON.stringify([defines, flags]));
  return hash.digest('hex').slice(0, 16);
}
