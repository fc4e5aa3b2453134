// What an error means for the shell: its exit status and a line to show.
import {
  EngineMismatchError,
  GuestError,
  JournalDivergenceError,
  JournalError,
  JournalFormatError,
  MachineDeadError,
  MeterExhaustedError,
  ModuleNotFoundError,
  ModuleRefusedError,
  NotSerializableError,
  PluginMismatchError,
  RevokedError,
  SnapshotFormatError,
} from '@xsb/sandbox';
import { UsageError } from './args.js';

export const EXIT = { ok: 0, guestThrew: 1, usage: 2, badFile: 3, exhausted: 4 } as const;

export interface Described {
  readonly status: (typeof EXIT)[keyof typeof EXIT];
  readonly message: string;
}

/** The exit status and message for an error; one that means a bug in xsb is thrown again. */
export function describeError(error: unknown): Described {
  if (error instanceof UsageError) return { status: EXIT.usage, message: `xsb: ${error.message}` };
  if (error instanceof MeterExhaustedError || error instanceof MachineDeadError) {
    return { status: EXIT.exhausted, message: `xsb: ${error.message}` };
  }
  if (
    error instanceof JournalFormatError ||
    error instanceof SnapshotFormatError ||
    error instanceof EngineMismatchError ||
    error instanceof JournalDivergenceError ||
    error instanceof JournalError ||
    error instanceof PluginMismatchError
  ) {
    return { status: EXIT.badFile, message: `xsb: ${error.message}` };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'EEXIST') {
    return { status: EXIT.badFile, message: `xsb: ${(error as Error).message}` };
  }
  if (error instanceof GuestError) {
    // a thrown string or object has no name of an error's: its message says what it was
    const name = error.value instanceof Error ? `${error.guestName}: ` : '';
    return { status: EXIT.guestThrew, message: `Uncaught ${name}${error.message}` };
  }
  // errors of xsb's own the guest did not catch: the module host's refusals, and the membrane's
  if (
    error instanceof RevokedError ||
    error instanceof ModuleRefusedError ||
    error instanceof ModuleNotFoundError ||
    error instanceof NotSerializableError
  ) {
    return { status: EXIT.guestThrew, message: `Uncaught ${error.name}: ${error.message}` };
  }
  throw error;
}
