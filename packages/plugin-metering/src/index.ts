import { definePlugin } from '@xsb/sandbox';

export interface MeteringOptions {
  /** Units each call from the host may use (its nested calls included); unset for no limit. */
  readonly perCall?: number;
  /** Units all calls together may use; unset for no budget. */
  readonly total?: number;
}

/** The host's controls of the guest's meter. The guest sees none of it. */
export interface Metering {
  /** Units used so far, by every call (a restored sandbox's included). */
  readonly used: number;
  /** Units left of the total (Infinity without one). */
  readonly remaining: number;
  /** Adds units to what is left (starting a budget if there was none). */
  refill(units: number): void;
  /** The per-call limit; 0 for none. */
  perCall: number;
}

const units = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`metering: ${what} must be a number of meter units ≥ 0, got ${String(value)}`);
  }
  return value;
};

/**
 * Budgets the host sets for the guest: per call from the host and in total. A call that runs out
 * throws MeterExhaustedError in the host (the guest can neither catch it nor run `finally`); with
 * the total spent, calls are refused with it before the guest runs. The sandbox stays usable:
 * what the stopped call had done stays done, and refill() lets calls run again. The settings are
 * journaled, and snapshots keep what is used and left.
 */
export const meteringPlugin = definePlugin({
  name: 'metering',
  install(context, options: MeteringOptions | undefined): Metering {
    const perCall = options?.perCall === undefined ? 0 : units(options.perCall, 'perCall');
    const total = options?.total === undefined ? null : units(options.total, 'total');
    context.meter.set({ limit: perCall, budget: total });
    const { meter } = context;
    return Object.freeze({
      get used() {
        return meter.used;
      },
      get remaining() {
        return meter.remaining;
      },
      refill(more: number) {
        const left = meter.remaining;
        meter.set({ budget: (left === Number.POSITIVE_INFINITY ? 0 : left) + units(more, 'refill') });
      },
      get perCall() {
        return meter.limit;
      },
      set perCall(limit: number) {
        meter.set({ limit: units(limit, 'perCall') });
      },
    });
  },
});
