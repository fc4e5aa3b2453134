// Runs a TypeScript file in a second Node.js process, the packages' sources resolved as in the
// tests (the "source" condition, scripts/register-ts.mjs), and returns what it printed (as JSON).
import { execFileSync } from 'node:child_process';
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
