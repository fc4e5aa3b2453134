#!/usr/bin/env node
// Unpacks XS 13.3.0 from the npm registry's @agoric/xsnap tarball into moddable/.
// The tarball is pinned by version and sha512 integrity; its install scripts never run
// (we only read files out of it), and nothing depends on the package at run time.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@agoric/xsnap@0.15.0';
const INTEGRITY = 'sha512-ZBm4DZxbtfacxMHVVdJjZi0Y8zOxN77vpu1WwI5RWfPkaRh0aHkz/dVdTGKXalDNzWfz183lljKxlxl3/h0n+A==';
const XS_VERSION = '13.3.0';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dst = join(root, 'moddable');
const stamp = join(dst, '.xsb-source');
const patches = join(root, 'packages/xs-wasm/patches');

const patchFiles = existsSync(patches)
  ? readdirSync(patches)
      .filter((f) => f.endsWith('.patch'))
      .sort()
  : [];
const wanted = JSON.stringify({
  package: PACKAGE,
  integrity: INTEGRITY,
  patches: patchFiles.map((f) => [f, sha256(join(patches, f))]),
});

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) {
  console.log(`moddable/: XS ${XS_VERSION} already unpacked and intact`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'xsb-xs-'));
try {
  // `npm pack` downloads the tarball only; it never runs the package's scripts.
  execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], { stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz')),
  );
  const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (actual !== INTEGRITY) {
    throw new Error(
      `${PACKAGE} tarball integrity is ${actual}, expected ${INTEGRITY}. Refusing to unpack: check your npm registry.`,
    );
  }
  execFileSync('tar', [
    'xzf',
    tarball,
    '-C',
    work,
    'package/moddable/xs/sources',
    'package/moddable/xs/includes',
    'package/moddable/xs/platforms',
  ]);
  const version = readFileSync(join(work, 'package/moddable/xs/sources/xsCommon.h'), 'utf8');
  const [, major, minor, patch] =
    version.match(/XS_MAJOR_VERSION (\d+)[\s\S]*XS_MINOR_VERSION (\d+)[\s\S]*XS_PATCH_VERSION (\d+)/) ?? [];
  if (`${major}.${minor}.${patch}` !== XS_VERSION)
    throw new Error(`expected XS ${XS_VERSION} in ${PACKAGE}, found ${major}.${minor}.${patch}`);
  rmSync(dst, { recursive: true, force: true });
  mkdirSync(dst, { recursive: true });
  renameSync(join(work, 'package/moddable/xs'), join(dst, 'xs'));
  for (const file of patchFiles) {
    execFileSync('patch', ['-p1', '--forward', '--silent', '-d', dst, '-i', join(patches, file)], { stdio: 'inherit' });
    console.log(`applied ${file}`);
  }
  writeFileSync(stamp, wanted);
  console.log(`moddable/: unpacked XS ${XS_VERSION} from ${PACKAGE} (${INTEGRITY.slice(0, 23)}...)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
