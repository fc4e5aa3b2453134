// xsb's command line (the bin is bin.ts): main() returns the exit status.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadEngine } from '@xsb/sandbox';
import { type Command, parseArgs, USAGE } from './args.js';
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
  if (command.name === 'repl') return repl(engine, command.flags, io, io.input, command.journal);
  let session: Session;
  if (command.name === 'run') {
    const file = resolve(command.file);
    const source = readFileSync(file, 'utf8');
    // a journal or snapshot file is never overwritten by accident: they are the sandbox's state
    for (const path of [command.journal, command.snapshot]) {
      if (path !== undefined && existsSync(path)) {
        throw Object.assign(new Error(`${path} exists already; choose a new file, or use xsb resume to continue it`), {
          code: 'EEXIST',
        });
      }
    }
    session = newSession(engine, command.flags, io, command.journal);
    try {
      if (file.endsWith('.mjs')) session.sandbox.evaluateModule(file);
      else session.sandbox.evaluate(source);
    } catch (error) {
      session[Symbol.dispose]();
      throw error;
    }
  } else {
    const journal = readFileSync(command.journal);
    const snapshot = command.snapshot === undefined ? undefined : readFileSync(command.snapshot);
    session = restoreSession(engine, command.flags, io, journal, snapshot, command.journal);
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
