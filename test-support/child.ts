// Runs a TypeScript file in a second Node.js process, the packages' sources resolved as in the
// tests (the "source" condition, scripts/register-ts.mjs): what it printed, or how it ended.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const registerTs = fileURLToPath(new URL('../scripts/register-ts.mjs', import.meta.url));

/** A script, or a script with the Node.js flags (`--expose-gc`, say) and environment variables its process gets. */
export type ChildScript =
  | URL
  | { readonly script: URL; readonly nodeFlags?: readonly string[]; readonly env?: Readonly<Record<string, string>> };

function command(script: ChildScript, args: readonly string[]) {
  const { script: url, nodeFlags = [], env } = script instanceof URL ? { script } : script;
  return {
    argv: [...nodeFlags, '--conditions=source', '--import', registerTs, fileURLToPath(url), ...args],
    ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
  };
}

/** What the script printed. */
export function runNode(script: ChildScript, ...args: string[]): string {
  const { argv, ...options } = command(script, args);
  return execFileSync(process.execPath, argv, { encoding: 'utf8', ...options });
}

export function runInChildProcess(script: ChildScript, ...args: string[]): unknown {
  return JSON.parse(runNode(script, ...args));
}

/** How the script ended: its exit status and what it wrote, given `input` on stdin. */
export function spawnNode(script: ChildScript, args: readonly string[], options: { input?: string; cwd?: string } = {}) {
  const { argv, ...env } = command(script, args);
  const result = spawnSync(process.execPath, argv, {
    encoding: 'utf8',
    input: options.input ?? '',
    ...env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
