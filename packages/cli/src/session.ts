// What every command shares: the sandbox's plugins, its journal, the guest's modules from disk,
// and running its timers.
import { type ConsoleApi, consolePlugin, type Write } from '@xsb/plugin-console';
import { meteringPlugin } from '@xsb/plugin-metering';
import { type Timers, timersPlugin } from '@xsb/plugin-timers';
import {
  createSandbox,
  type Engine,
  type JournalSink,
  MemorySink,
  type ModuleHost,
  type PluginUse,
  readJournal,
  restoreSandbox,
  type Sandbox,
} from '@xsb/sandbox';
import { FileSink } from '@xsb/sandbox/node';
import type { SandboxFlags } from './args.js';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Appends to a file and keeps the bytes, so the REPL can save what it journaled. */
class JournalTee implements JournalSink {
  readonly memory = new MemorySink();
  constructor(readonly file: FileSink | undefined) {}
  write(bytes: Uint8Array): void {
    this.memory.write(bytes);
    this.file?.write(bytes);
  }
  get size(): number {
    return this.memory.size;
  }
}

export interface Session extends Disposable {
  readonly sandbox: Sandbox;
  readonly timers: Timers;
  readonly console: ConsoleApi;
  /** The journal so far. */
  journal(): Uint8Array;
}

function plugins(flags: SandboxFlags, io: Io): PluginUse[] {
  const write: Write = (stream, line) => (stream === 'err' ? io.err : io.out)(`${line}\n`);
  // the same three every time, whatever the flags: a restore must be given the plugins it had
  return [
    [timersPlugin, { mode: flags.timers }],
    [meteringPlugin, flags.meter === undefined ? {} : { perCall: flags.meter }],
    [consolePlugin, write],
  ];
}

function session(sandbox: Sandbox, tee: JournalTee): Session {
  const close = () => {
    sandbox.dispose();
    tee.file?.close();
  };
  return {
    sandbox,
    timers: sandbox.plugins.timers as Timers,
    console: sandbox.plugins.console as ConsoleApi,
    journal: () => tee.memory.bytes(),
    [Symbol.dispose]: close,
  };
}

/** `modules` answers the guest's imports (the CLI's is confined to one folder: folderModuleHost). */
export function newSession(engine: Engine, flags: SandboxFlags, io: Io, modules: ModuleHost, journalFile?: string): Session {
  const tee = new JournalTee(journalFile === undefined ? undefined : new FileSink(journalFile));
  try {
    return session(createSandbox({ engine, plugins: plugins(flags, io), modules, journal: tee }), tee);
  } catch (error) {
    tee.file?.close();
    throw error;
  }
}

/**
 * Restores a session from journal bytes (and a snapshot); with `journalFile`, appends to that
 * file from where the journal's last complete exchange ends.
 */
export function restoreSession(
  engine: Engine,
  flags: SandboxFlags,
  io: Io,
  modules: ModuleHost,
  journal: Uint8Array,
  snapshot: Uint8Array | undefined,
  journalFile?: string,
): Session {
  const { resumeAt } = readJournal(journal);
  const file = journalFile === undefined ? undefined : new FileSink(journalFile, { resumeAt });
  const tee = new JournalTee(file);
  // the file holds the journal so far: the restore must see a sink that has it, and not write it again
  if (file) tee.memory.write(journal.subarray(0, resumeAt));
  try {
    const { sandbox, report } = restoreSandbox({
      engine,
      plugins: plugins(flags, io),
      modules,
      journal,
      ...(snapshot ? { snapshot } : {}),
      sink: tee,
      onProgress: progress(io),
    });
    if (report.tornBytes || report.unfinishedEntries) {
      io.err(
        `the journal's last ${report.tornBytes} bytes and ${report.unfinishedEntries} entries were an unfinished write, left out\n`,
      );
    }
    return session(sandbox, tee);
  } catch (error) {
    file?.close();
    throw error;
  }
}

/** Shows how far a long replay has got, each tenth of the way. */
function progress(io: Io): (replayed: number, total: number) => void {
  let shown = -1;
  return (replayed, total) => {
    if (total < 500) return;
    const tenth = Math.floor((replayed * 10) / total);
    if (tenth === shown) return;
    shown = tenth;
    io.err(`replaying the journal: ${replayed} of ${total} entries\n`);
  };
}

/** What running the timers ended with. */
export type TimersOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

/**
 * Runs the guest's timers: in virtual time, until none is pending or `runFor` ms have passed; in
 * real time, until none is pending. A callback that throws stops them, as it would stop Node.
 */
export async function runTimers(session: Session, flags: SandboxFlags, io: Io): Promise<TimersOutcome> {
  const { timers } = session;
  if (flags.timers === 'virtual') {
    for (let elapsed = 0; timers.pending() > 0 && elapsed < flags.runFor; ) {
      const step = Math.min(1_000, flags.runFor - elapsed);
      const fired = timers.advance(step);
      elapsed += step;
      if (fired.errors.length > 0) return { ok: false, error: fired.errors[0]! };
    }
    if (timers.pending() > 0) {
      io.err(`stopped after ${flags.runFor} ms of virtual time with ${timers.pending()} timer(s) pending (--for)\n`);
    }
    return { ok: true };
  }
  if (timers.pending() === 0) return { ok: true };
  return new Promise((resolve, reject) => {
    const stop = timers.follow({
      onFired(fired) {
        if (fired.errors.length > 0 || timers.pending() === 0) {
          stop();
          resolve(fired.errors.length > 0 ? { ok: false, error: fired.errors[0]! } : { ok: true });
        }
      },
      // a move the meter stopped, or a machine that died: ends the run as it would in virtual time
      onError(error) {
        stop();
        reject(error);
      },
    });
  });
}
