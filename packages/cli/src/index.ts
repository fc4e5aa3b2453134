// xsb's command line (the bin is bin.ts): main() returns the exit status.
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { loadEngine, type ModuleHost } from '@xsb/sandbox';
import { folderModuleHost } from '@xsb/sandbox/node';
import { type Command, parseArgs, type SandboxFlags, USAGE, UsageError } from './args.js';
import { describeError, EXIT } from './errors.js';
import { repl } from './repl.js';
import { type Io, newSession, restoreSession, runTimers, type Session } from './session.js';

export { type Command, parseArgs, USAGE, UsageError } from './args.js';
export { EXIT } from './errors.js';

export interface MainIo extends Io {
  readonly input: NodeJS.ReadableStream;
}

export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  try {
    const command = parseArgs(argv);
    if (command.name === 'help') {
      io.out(`${USAGE}\n`);
      return EXIT.ok;
    }
    return await run(command, io);
  } catch (error) {
    const { status, message } = describeError(error);
    io.err(`${message}\n`);
    if (status === EXIT.usage) io.err(`${USAGE}\n`);
    return status;
  }
}

async function run(command: Exclude<Command, { name: 'help' }>, io: MainIo): Promise<number> {
  const engine = await loadEngine();
  if (command.name === 'repl') {
    return repl(engine, command.flags, io, io.input, modulesIn(modulesRoot(command.flags, '.')), command.journal);
  }
  let session: Session;
  if (command.name === 'run') {
    const file = resolve(command.file);
    const source = readFileSync(file, 'utf8');
    const root = modulesRoot(command.flags, dirname(file));
    const modules = modulesIn(root);
    // the module is imported by its name under the root, as its own imports are
    const entry = relative(realpathSync(root), realpathSync(file));
    if (entry.startsWith('..') || isAbsolute(entry)) {
      throw new UsageError(`${command.file} is outside --modules-root ${command.flags.modulesRoot}; give a root that holds it`);
    }
    // a journal or snapshot file is never overwritten by accident: they are the sandbox's state
    for (const path of [command.journal, command.snapshot]) {
      if (path !== undefined && existsSync(path)) {
        throw Object.assign(new Error(`${path} exists already; choose a new file, or use xsb resume to continue it`), {
          code: 'EEXIST',
        });
      }
    }
    session = newSession(engine, command.flags, io, modules, command.journal);
    try {
      if (file.endsWith('.mjs')) session.sandbox.evaluateModule(`./${entry.split(sep).join('/')}`);
      else session.sandbox.evaluate(source);
    } catch (error) {
      session[Symbol.dispose]();
      throw error;
    }
  } else {
    const journal = readFileSync(command.journal);
    const snapshot = command.snapshot === undefined ? undefined : readFileSync(command.snapshot);
    const modules = modulesIn(modulesRoot(command.flags, dirname(resolve(command.journal))));
    session = restoreSession(engine, command.flags, io, modules, journal, snapshot, command.journal);
  }
  try {
    const timers = await runTimers(session, command.flags, io);
    if (command.snapshot !== undefined) writeFileSync(command.snapshot, session.sandbox.snapshot());
    if (!timers.ok) {
      io.err(`Uncaught in a timer callback: ${timers.error}\n`);
      return EXIT.guestThrew;
    }
    return EXIT.ok;
  } finally {
    session[Symbol.dispose]();
  }
}

/** The folder the guest's imports come from: --modules-root, checked, else the command's default. */
function modulesRoot(flags: SandboxFlags, fallback: string): string {
  const given = flags.modulesRoot;
  if (given === undefined) return fallback;
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(given);
  } catch {
    throw new UsageError(`--modules-root ${JSON.stringify(given)} does not exist; give the folder the guest's modules are in`);
  }
  if (!stats.isDirectory()) {
    throw new UsageError(`--modules-root ${JSON.stringify(given)} is not a folder; give the folder the guest's modules are in`);
  }
  return given;
}

/**
 * The guest's imports: .js, .mjs, .cjs and .json files under `root` and nothing else, so a
 * script run from the shell reads no other file the user can read (see folderModuleHost).
 */
function modulesIn(root: string): ModuleHost {
  return folderModuleHost({ root });
}
