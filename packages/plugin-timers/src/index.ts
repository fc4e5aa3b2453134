import { definePlugin } from '@xsb/sandbox';
import { TIMERS_GUEST } from './guest.js';

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
  /** What the callbacks that threw threw, as "Name: message". */
  readonly errors: readonly string[];
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
   * Real mode only: from now on, every `everyMs` (default 10) the clock moves by the host time
   * that passed, firing what fell due; `onFired` hears of each move that fired something. Returns
   * a function that stops following (call it before disposing the sandbox).
   */
  follow(options?: { readonly everyMs?: number; readonly onFired?: (fired: Fired) => void }): () => void;
}

interface GuestTimers {
  now(): number;
  pending(): number;
  advance(ms: number): { fired: number; errors: string[] };
  runDue(): { fired: number; errors: string[] };
}

const copy = (fired: { fired: number; errors: string[] }): Fired =>
  Object.freeze({ fired: fired.fired, errors: Object.freeze([...fired.errors]) });

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
    const guest = () => context.guest() as GuestTimers;
    return Object.freeze({
      now: () => guest().now(),
      pending: () => guest().pending(),
      advance: (ms: number) => {
        if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`timers.advance takes a number of ms ≥ 0, got ${String(ms)}`);
        return copy(guest().advance(ms));
      },
      runDue: () => copy(guest().runDue()),
      follow: ({ everyMs = 10, onFired }: { readonly everyMs?: number; readonly onFired?: (fired: Fired) => void } = {}) => {
        if (mode !== 'real')
          throw new Error("timers: follow() needs { mode: 'real' }; in virtual mode the host moves time with advance()");
        let last = Date.now();
        const timer = setInterval(() => {
          const now = Date.now();
          const fired = copy(guest().advance(now - last));
          last = now;
          if (fired.fired > 0) onFired?.(fired);
        }, everyMs);
        return () => clearInterval(timer);
      },
    });
  },
});
