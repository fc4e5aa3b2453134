// The command line, parsed into one of the commands, or a UsageError saying what was wrong.

export type TimersMode = 'virtual' | 'real';

export interface SandboxFlags {
  /** Per-call meter limit (units), or undefined for none. */
  readonly meter: number | undefined;
  readonly timers: TimersMode;
  /** Virtual ms to run timers for before stopping (virtual mode). */
  readonly runFor: number;
  /** The folder the guest's imports come from, as given; undefined for the command's default. */
  readonly modulesRoot: string | undefined;
}

export type Command =
  | {
      readonly name: 'run';
      readonly file: string;
      readonly journal?: string;
      readonly snapshot?: string;
      readonly flags: SandboxFlags;
    }
  | { readonly name: 'resume'; readonly journal: string; readonly snapshot?: string; readonly flags: SandboxFlags }
  | { readonly name: 'repl'; readonly journal?: string; readonly flags: SandboxFlags }
  | { readonly name: 'help' };

/** The command line was wrong; the message says how. Exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage:
  xsb run FILE [--journal FILE] [--snapshot FILE] [--meter N] [--timers virtual|real] [--for MS]
          [--modules-root DIR]
      runs FILE in a new sandbox (an ES module if it ends in .mjs, else a script), then its
      timers; --journal keeps every message in FILE, --snapshot saves the sandbox at the end
  xsb resume JOURNAL [--snapshot FILE] [--meter N] [--timers virtual|real] [--for MS]
          [--modules-root DIR]
      restores the sandbox from its journal (and the snapshot, which is saved again at the end)
      and runs its timers on
  xsb repl [--journal FILE] [--meter N] [--timers virtual|real] [--modules-root DIR]
      evaluates lines in a sandbox; .help lists its commands

  --meter N            meter units each call into the guest may use (default: no limit)
  --timers MODE        virtual (default): time moves only as xsb runs the timers; real: with the clock
  --for MS             virtual ms to run timers for before stopping (default 60000)
  --modules-root DIR   the only folder the guest may import .js, .mjs, .cjs and .json files from
                       (default: FILE's folder for run, JOURNAL's for resume, the current one for repl)

exit status: 0 done, 1 the guest threw, 2 usage, 3 a file is missing or damaged,
             4 the guest ran out of meter or memory`;

const FLAGS: Record<string, { readonly value: boolean; readonly commands: readonly string[] }> = {
  '--journal': { value: true, commands: ['run', 'repl'] },
  '--snapshot': { value: true, commands: ['run', 'resume'] },
  '--meter': { value: true, commands: ['run', 'resume', 'repl'] },
  '--timers': { value: true, commands: ['run', 'resume', 'repl'] },
  '--for': { value: true, commands: ['run', 'resume'] },
  '--modules-root': { value: true, commands: ['run', 'resume', 'repl'] },
};

const count = (flag: string, text: string): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`${flag} takes a whole number > 0, got "${text}"`);
  return value;
};

export function parseArgs(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name !== 'run' && name !== 'resume' && name !== 'repl') throw new UsageError(`unknown command "${name}"`);
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const flag = FLAGS[arg];
    if (!flag?.commands.includes(name)) throw new UsageError(`xsb ${name} has no option ${arg}`);
    const value = rest[++i];
    if (value === undefined) throw new UsageError(`${arg} needs a value`);
    values.set(arg, value);
  }
  const timers = values.get('--timers') ?? 'virtual';
  if (timers !== 'virtual' && timers !== 'real') throw new UsageError(`--timers is virtual or real, got "${timers}"`);
  const meter = values.get('--meter');
  const runFor = values.get('--for');
  const flags: SandboxFlags = {
    meter: meter === undefined ? undefined : count('--meter', meter),
    timers,
    runFor: runFor === undefined ? 60_000 : count('--for', runFor),
    modulesRoot: values.get('--modules-root'),
  };
  const journal = values.get('--journal');
  const snapshot = values.get('--snapshot');
  const files = { ...(journal === undefined ? {} : { journal }), ...(snapshot === undefined ? {} : { snapshot }) };
  const expect = (n: number, what: string) => {
    if (positional.length !== n)
      throw new UsageError(`xsb ${name} takes ${what}, got ${positional.length ? positional.join(' ') : 'none'}`);
  };
  switch (name) {
    case 'run':
      expect(1, 'one FILE');
      return { name, file: positional[0]!, ...files, flags };
    case 'resume':
      expect(1, 'one JOURNAL');
      return { name, journal: positional[0]!, ...(snapshot === undefined ? {} : { snapshot }), flags };
    case 'repl':
      expect(0, 'no file (use --journal)');
      return { name, ...(journal === undefined ? {} : { journal }), flags };
  }
}
