import { definePlugin, MachineDeadError, RevokedError } from '@xsb/sandbox';
import { MAX_ERROR_LENGTH, MAX_ERRORS, TIMERS_GUEST } from './guest.js';

export interface TimersOptions {
  /**
   * 'virtual' (the default): time moves only when the host calls advance. 'real': follow() moves
   * it along with the host's clock; each move is still a journaled call, so a replay fires the
   * same callbacks at the same times.
   */
  readonly mode?: 'virtual' | 'real';
  /** The clock's start, in ms since 1970. Default 0 in virtual mode, the host's Date.now() in real mode. */
  readonly start?: number;
}

/** What one call to advance or runDue did. */
export interface Fired {
  /** Callbacks run. */
  readonly fired: number;
  /** What the first callbacks that threw threw (20 at most), as "Name: message", each cut to 200 characters. */
  readonly errors: readonly string[];
  /** Callbacks that threw beyond those in `errors`. */
  readonly moreErrors: number;
}

/** How follow() moves the clock, and whom it tells. */
export interface FollowOptions {
  /** How often to move the clock, in ms of host time; default 10. */
  readonly everyMs?: number;
  /** Hears of each move that fired something. */
  readonly onFired?: (fired: Fired) => void;
  /**
   * Hears what a move threw (MeterExhaustedError from a callback that ran out, say), and what
   * onFired threw; following goes on. Following stops by itself once the machine is dead
   * (this hears the MachineDeadError) or the sandbox disposed (nothing to hear). Default: each
   * error reported with console.error, a run of the same one once; never thrown into the event loop.
   */
  readonly onError?: (error: unknown) => void;
}

/** The host's controls of the guest's clock. */
export interface Timers {
  /** The virtual time, in ms since 1970. */
  now(): number;
  /** Timers set and not yet fired or cleared. */
  pending(): number;
  /** Moves the clock forward by ms, firing every timer due on the way, in order, each at its time. */
  advance(ms: number): Fired;
  /** Fires the timers due now (set with a delay of 0, say). */
  runDue(): Fired;
  /**
   * Real mode only: from now on, every `everyMs` the clock moves by the host time that passed,
   * firing what fell due. Returns a function that stops following.
   */
  follow(options?: FollowOptions): () => void;
}

/** The guest side's one entry point (see guest.ts): one crossing per operation. */
type Control = (op: 'now' | 'pending' | 'advance' | 'runDue', ms?: number) => unknown;

// Taken when this module loads: what the guest answers is read with these and nothing it could reach.
const parseJson = JSON.parse;
const { isArray } = Array;
const { isSafeInteger } = Number;
const { freeze } = Object;

// The longest answer the guest side sends: each error's text, JSON-escaped (6 units per unit at
// worst), with its quotes and comma, and the numbers around them.
const MAX_ANSWER_LENGTH = MAX_ERRORS * (6 * MAX_ERROR_LENGTH + 3) + 100;

/** A guest answer as it should appear in an error message: its kind, or text cut short. */
function shortQuote(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : `a ${typeof value}`;
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function malformed(op: string, answer: unknown): TypeError {
  return new TypeError(
    `timers: the guest side answered ${op} with ${shortQuote(answer)}, which it never sends: the guest's heap is not as the plugin left it; restore the sandbox from a snapshot`,
  );
}

/** Reads the guest side's answer to advance or runDue: text, parsed and checked here, never a guest object. */
function readFired(op: string, answer: unknown): Fired {
  if (typeof answer !== 'string' || answer.length > MAX_ANSWER_LENGTH) throw malformed(op, answer);
  let parsed: { fired?: unknown; errors?: unknown; moreErrors?: unknown; now?: unknown };
  try {
    parsed = parseJson(answer);
  } catch {
    throw malformed(op, answer);
  }
  // now is there for the journal (see guest.ts), and checked like the rest
  const { fired, errors, moreErrors, now } = parsed ?? {};
  if (
    !(isSafeInteger(fired) && (fired as number) >= 0) ||
    !(isSafeInteger(moreErrors) && (moreErrors as number) >= 0) ||
    !(typeof now === 'number' && Number.isFinite(now) && now >= 0) ||
    !isArray(errors) ||
    errors.length > MAX_ERRORS ||
    !errors.every((error) => typeof error === 'string' && error.length <= MAX_ERROR_LENGTH)
  )
    throw malformed(op, answer);
  return freeze({ fired: fired as number, errors: freeze(errors as string[]), moreErrors: moreErrors as number });
}

function readCount(op: string, answer: unknown, whole: boolean): number {
  if (typeof answer !== 'number' || !(whole ? isSafeInteger(answer) : Number.isFinite(answer)) || answer < 0)
    throw malformed(op, answer);
  return answer;
}

/** follow()'s default onError: to the console, which hosts and browsers both have; a run of one error once. */
function reporter(): { report(error: unknown): void; moved(): void } {
  let last: string | undefined;
  return {
    report(error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (text === last) return;
      last = text;
      console.error(
        error instanceof MachineDeadError
          ? 'timers: follow() stopped, the machine is dead:'
          : 'timers: follow() could not move the clock (it goes on; pass follow({ onError }) to handle this):',
        error,
      );
    },
    moved() {
      last = undefined;
    },
  };
}

/**
 * Gives the guest setTimeout, setInterval, clearTimeout, clearInterval and a Date that follows
 * a virtual clock the host moves. The queue and the clock live in the guest, so they are in
 * snapshots and replay exactly; every move of the clock is a journaled call.
 */
export const timersPlugin = definePlugin({
  name: 'timers',
  install(context, options: TimersOptions | undefined): Timers {
    const mode = options?.mode ?? 'virtual';
    if (mode !== 'virtual' && mode !== 'real')
      throw new RangeError(`timers: mode must be 'virtual' or 'real', got ${String(mode)}`);
    const start = options?.start ?? (mode === 'real' ? Date.now() : 0);
    if (!Number.isSafeInteger(start) || start < 0)
      throw new RangeError(`timers: start must be a whole number of ms ≥ 0, got ${String(start)}`);
    context.guestScript(TIMERS_GUEST.replace('START', String(start)));
    // by the plugin's name, each time: one crossing, and a restored host crosses as the original did
    const call: Control = (op, ms) => (ms === undefined ? context.callGuest(op) : context.callGuest(op, ms));
    const advance = (ms: number): Fired => {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`timers.advance takes a number of ms ≥ 0, got ${String(ms)}`);
      return readFired('advance', call('advance', ms));
    };
    return Object.freeze({
      now: () => readCount('now', call('now'), false),
      pending: () => readCount('pending', call('pending'), true),
      advance,
      runDue: () => readFired('runDue', call('runDue')),
      follow: ({ everyMs = 10, onFired, onError }: FollowOptions = {}) => {
        if (mode !== 'real')
          throw new Error("timers: follow() needs { mode: 'real' }; in virtual mode the host moves time with advance()");
        if (!(Number.isFinite(everyMs) && everyMs > 0))
          throw new RangeError(`timers: follow() takes everyMs, a number of ms > 0, got ${String(everyMs)}`);
        const fallback = reporter();
        const report = (error: unknown) => {
          try {
            (onError ?? fallback.report)(error);
          } catch (failure) {
            // onError's own failure must not reach the event loop either
            console.error('timers: follow()’s onError threw:', failure);
          }
        };
        let last = Date.now();
        let timer: ReturnType<typeof setInterval> | undefined;
        const stop = () => {
          if (timer !== undefined) clearInterval(timer);
          timer = undefined;
        };
        timer = setInterval(() => {
          const now = Date.now();
          const elapsed = Math.max(0, now - last);
          last = now;
          try {
            const fired = advance(elapsed);
            fallback.moved();
            if (fired.fired > 0) onFired?.(fired);
          } catch (error) {
            // disposed: the host ended it, so there is nothing to tell
            if (error instanceof RevokedError) return stop();
            if (error instanceof MachineDeadError) stop();
            report(error);
          }
        }, everyMs);
        return stop;
      },
    });
  },
});
