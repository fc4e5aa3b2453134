// xsb repl: lines evaluated in a sandbox, and dot-commands for time, the meter and snapshots.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Metering } from '@xsb/plugin-metering';
import type { Engine, ModuleHost } from '@xsb/sandbox';
import type { SandboxFlags } from './args.js';
import { describeError } from './errors.js';
import { type Io, newSession, restoreSession, type Session } from './session.js';

const HELP = `.time MS     move virtual time on by MS, firing the timers due
.meter       show the meter
.save DIR    save the sandbox in DIR (its snapshot and journal)
.load DIR    replace the sandbox with the one saved in DIR
.help        this
.exit        leave (or end the input)`;

export async function repl(
  engine: Engine,
  flags: SandboxFlags,
  io: Io,
  input: NodeJS.ReadableStream,
  modules: ModuleHost,
  journalFile?: string,
): Promise<number> {
  let session: Session = newSession(engine, flags, io, modules, journalFile);
  const show = (value: unknown) =>
    io.out(`${typeof value === 'string' ? JSON.stringify(value) : session.console.format(value)}\n`);
  const commands: Record<string, (arg: string) => void> = {
    '.help': () => io.out(`${HELP}\n`),
    '.time': (arg) => {
      const ms = Number(arg);
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`.time takes a number of ms ≥ 0, got "${arg}"`);
      const fired = session.timers.advance(ms);
      io.out(`virtual time ${new Date(session.timers.now()).toISOString()}: ${fired.fired} timer(s) fired\n`);
      for (const error of fired.errors) io.err(`a timer callback threw ${error}\n`);
    },
    '.meter': () => {
      const meter = session.sandbox.plugins.metering as Metering;
      io.out(`meter: ${meter.used} units used; per call: ${meter.perCall || 'no limit'}\n`);
    },
    '.save': (dir) => {
      if (!dir) throw new RangeError('.save takes a folder');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'snapshot'), session.sandbox.snapshot());
      writeFileSync(join(dir, 'journal'), session.journal());
      io.out(`saved in ${dir}\n`);
    },
    '.load': (dir) => {
      if (!dir) throw new RangeError('.load takes a folder');
      const loaded = restoreSession(
        engine,
        flags,
        io,
        modules,
        readFileSync(join(dir, 'journal')),
        readFileSync(join(dir, 'snapshot')),
      );
      session[Symbol.dispose]();
      session = loaded;
      io.out(`loaded from ${dir}${journalFile ? ` (${journalFile} stays as it was)` : ''}\n`);
    },
  };
  const lines = createInterface({ input, terminal: false });
  io.out('xsb repl: .help for commands\n');
  try {
    for await (const line of lines) {
      const text = line.trim();
      if (text === '') continue;
      if (text === '.exit') break;
      const [command = '', ...rest] = text.split(/\s+/);
      try {
        const run = commands[command];
        if (run) run(rest.join(' '));
        else if (text.startsWith('.')) io.err(`unknown command ${command}; .help lists them\n`);
        else show(session.sandbox.evaluate(text));
      } catch (error) {
        io.err(`${describeError(error).message}\n`);
      }
    }
  } finally {
    session[Symbol.dispose]();
  }
  return 0;
}
