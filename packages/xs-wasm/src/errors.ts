/** Base of every error xs-wasm throws, so hosts can tell them from their own. */
export class XsbError extends Error {
  override name = 'XsbError';
}

/** The guest threw. `guestName`, `message` and `guestStack` are read from the thrown value. */
export class GuestError extends XsbError {
  override name = 'GuestError';
  constructor(
    readonly guestName: string,
    message: string,
    readonly guestStack: string,
  ) {
    super(message);
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
