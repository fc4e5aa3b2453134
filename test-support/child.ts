// Runs a TypeScript file in a second Node.js process, the packages' sources resolved as in the
// tests (the "source" condition, scripts/register-ts.mjs), and returns what it printed (as JSON).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const registerTs = fileURLToPath(new URL('../scripts/register-ts.mjs', import.meta.url));

/** What the script printed. */
export function runNode(script: URL, ...args: string[]): string {
  return execFileSync(process.execPath, ['--conditions=source', '--import', registerTs, fileURLToPath(script), ...args], {
    encoding: 'utf8',
  });
}

export function runInChildProcess(script: URL, ...args: string[]): unknown {
  return JSON.parse(runNode(script, ...args));
}

/** How a script ended: its exit status and what it wrote, given `input` on stdin. */
export function spawnNode(script: URL, args: readonly string[], options: { input?: string; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', registerTs, fileURLToPath(script), ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
