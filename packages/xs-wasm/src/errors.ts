/** Base of every error xs-wasm throws, so hosts can tell them from their own. */
export class XsbError extends Error {
  override name = 'XsbError';
}

/**
 * The guest threw. `guestName`, `message` and `guestStack` were copied from the thrown value where
 * it was thrown, so reading or printing this error runs no guest code. `value` is what was thrown,
 * as the host gets it: a copy of an error, a primitive, or a proxy of a guest object (reading that
 * one does run the guest's code). An error thrown by the host and not caught in the guest comes
 * back as a GuestError too: it crossed the guest, which could have changed it.
 */
export class GuestError extends XsbError {
  override name = 'GuestError';
  declare readonly value: unknown;
  constructor(
    readonly guestName: string,
    message: string,
    readonly guestStack: string,
    thrown: { readonly value?: unknown; readonly cause?: unknown } = {},
  ) {
    super(message, 'cause' in thrown ? { cause: thrown.cause } : undefined);
    // not enumerable: a printer showing the error's own properties shows no proxy, and the stack once
    Object.defineProperty(this, 'value', { value: thrown.value, configurable: true });
    Object.defineProperty(this, 'guestStack', { value: guestStack, enumerable: false, configurable: true });
  }
}

/** The guest's source did not parse. */
export class GuestSyntaxError extends GuestError {
  override name = 'GuestSyntaxError';
}

/** The meter ran out. The guest could not catch it; the machine is usable for the next call. */
export class MeterExhaustedError extends XsbError {
  override name = 'MeterExhaustedError';
  constructor(readonly used: number) {
    super(`the guest used ${used} meter units, beyond its limit; the machine is still usable`);
  }
}

export type DeathReason = 'memory-limit' | 'stack-overflow' | 'too-many-keys' | 'fatal' | 'host-stack-overflow';

/** The machine is dead: every later use throws this. Restore it from a snapshot to carry on. */
export class MachineDeadError extends XsbError {
  override name = 'MachineDeadError';
  constructor(readonly reason: DeathReason) {
    super(`the machine is dead (${reason}); restore it from a snapshot to carry on`);
  }
}

/** The machine or handle was disposed before this use. */
export class DisposedError extends XsbError {
  override name = 'DisposedError';
}

/** Snapshot and dispose need the machine idle, not inside a call into it. */
export class MachineBusyError extends XsbError {
  override name = 'MachineBusyError';
}

/** A message or value does not fit in the scratch region. */
export class MessageTooLargeError extends XsbError {
  override name = 'MessageTooLargeError';
  /** `size` is undefined when the guest's reply was refused before the host could measure it. */
  constructor(
    readonly size: number | undefined,
    readonly limit: number,
  ) {
    const what = size === undefined ? "the guest's reply" : `a message of ${size} bytes`;
    super(`${what} exceeds the ${limit}-byte scratch region; split it (the channel package frames large messages)`);
  }
}

/** deliver() was called before connect(). */
export class NotConnectedError extends XsbError {
  override name = 'NotConnectedError';
  constructor() {
    super('the machine has no receiver: call connect() with a guest function first');
  }
}

/** The snapshot bytes were not written by this engine build, or are damaged. */
export class SnapshotError extends XsbError {
  override name = 'SnapshotError';
}

/** The engine could not be loaded or instantiated. */
export class EngineLoadError extends XsbError {
  override name = 'EngineLoadError';
}

type Boundary = (...args: never[]) => unknown;
const captureStackTrace = (Error as { captureStackTrace?: (target: object, boundary: Boundary) => void }).captureStackTrace;

/** Marks where a guest's frames end and the host's begin, in the stack of an error that crossed. */
export const CROSSING_LINE = '    --- across the membrane (guest above, host below) ---';

/**
 * `error` with its stack starting at the caller of `boundary`, a function of xsb's public API on
 * the stack now: the frames inside xsb (membrane, journal, engine) would fill the runtime's stack
 * limit and hide the call site. A GuestError keeps the guest's frames above a crossing line.
 * Values that are not errors are returned as they are.
 */
export function atCallSite<E>(error: E, boundary: Boundary): E {
  if (!(error instanceof Error)) return error;
  let frames: string;
  if (captureStackTrace !== undefined) {
    const here: { stack?: string } = {};
    captureStackTrace(here, boundary);
    const text = typeof here.stack === 'string' ? here.stack : '';
    frames = text.slice(text.indexOf('\n') + 1);
  } else {
    // SpiderMonkey's stacks are frames alone, from where the error was made: a guest error gets
    // its guest's frames above them once
    if (!(error instanceof GuestError) || String(error.stack).includes(CROSSING_LINE)) return error;
    frames = String(error.stack);
  }
  const top =
    error instanceof GuestError
      ? `${error.guestStack || `${error.name}: ${error.message}`}\n${CROSSING_LINE}`
      : `${error.name}: ${error.message}`;
  Object.defineProperty(error, 'stack', { value: `${top}\n${frames}`, writable: true, configurable: true });
  return error;
}

/** `fn`, as a function of xsb's public API: what it throws has its stack start at its caller (atCallSite). */
export function callSiteEntry<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const entry = (...args: A): R => {
    try {
      return fn(...args);
    } catch (error) {
      throw atCallSite(error, entry);
    }
  };
  return entry;
}
