// What an error means for the shell: its exit status and a line to show.
import {
  EngineMismatchError,
  GuestError,
  JournalDivergenceError,
  JournalError,
  JournalFormatError,
  MachineDeadError,
  MeterExhaustedError,
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
  if (error instanceof GuestError || error instanceof RevokedError) {
    const guest = error as GuestError;
    return { status: EXIT.guestThrew, message: `Uncaught ${guest.guestName ?? guest.name}: ${guest.message}` };
  }
  // what the guest throws arrives as the host's own error class, its stack marked as the guest's
  if (error instanceof Error && error.stack?.includes('--- across the membrane (guest above')) {
    return { status: EXIT.guestThrew, message: `Uncaught ${error.name}: ${error.message}` };
  }
  throw error;
}
