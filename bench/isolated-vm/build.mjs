// isolated-vm for the benchmark, built here from its npm tarball: its releases for Node.js 20
// ship no prebuilt binary (6.x has them for Node 22 and 24 only), and the install script that
// would fetch or build one is not run by our installs. Builds bench/isolated-vm/node_modules/
// isolated-vm with node-gyp against this Node's headers; takes minutes, once. The benchmark runs
// without it when it cannot build, and says why.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERSION = '5.0.4';
const here = dirname(fileURLToPath(import.meta.url));
export const addon = join(here, 'node_modules/isolated-vm/build/Release/isolated_vm.node');

if (existsSync(addon)) {
  console.log(`isolated-vm ${VERSION}: built already`);
} else {
  writeFileSync(join(here, 'package.json'), `${JSON.stringify({ name: 'xsb-bench-isolated-vm', private: true }, null, 2)}\n`);
  mkdirSync(join(here, 'node_modules'), { recursive: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `isolated-vm@${VERSION}`], {
    cwd: here,
    stdio: 'inherit',
  });
  const nodeGyp = join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  const headers = join(dirname(process.execPath), '../include/node');
  execFileSync(
    process.execPath,
    [nodeGyp, 'rebuild', '--release', '-j', 'max', ...(existsSync(headers) ? [`--nodedir=${join(headers, '../..')}`] : [])],
    {
      cwd: join(here, 'node_modules/isolated-vm'),
      stdio: 'inherit',
    },
  );
  console.log(`isolated-vm ${VERSION}: built`);
}
