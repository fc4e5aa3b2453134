// Machines with the guest's side of the membrane connected come from a snapshot of the first one
// made with the same settings: evaluating the guest side takes tens of milliseconds, restoring
// the snapshot about one.
import { type Engine, Handle, type Machine, type MachineOptions } from '@xsb/xs-wasm';
import { WET_SOURCE } from './wet-source.generated.js';

/** Evaluates the guest's side in a fresh machine and connects it to the pump. */
export function connectGuestSide(machine: Machine): void {
  const factory = machine.evaluate(WET_SOURCE);
  if (!(factory instanceof Handle)) throw new TypeError('the wet side did not evaluate to its connect function');
  try {
    machine.connect(factory);
  } finally {
    factory.dispose();
  }
}

const templates = new WeakMap<Engine, Map<string, Uint8Array>>();

/**
 * A new machine whose guest side is connected, for attachMembrane(machine, { restored: true }).
 * Machines made with the same stack size and seed start from the same heap, byte for byte.
 */
export function createConnectedMachine(engine: Engine, options: MachineOptions = {}): Machine {
  let byEngine = templates.get(engine);
  if (!byEngine) templates.set(engine, (byEngine = new Map()));
  // what shapes the heap; the memory limit, clock, meter and handler apply to each machine
  const key = JSON.stringify([options.stackSlots ?? null, options.randomSeed ?? 0]);
  let template = byEngine.get(key);
  if (!template) {
    const machine = engine.createMachine({
      ...(options.stackSlots === undefined ? {} : { stackSlots: options.stackSlots }),
      ...(options.randomSeed === undefined ? {} : { randomSeed: options.randomSeed }),
    });
    try {
      connectGuestSide(machine);
      // tight: every machine starts from these bytes, so none needs the growth the guest side's
      // evaluation left behind (an idle machine holds ~240 KiB of heap rather than ~660)
      template = machine.snapshot({ tight: true });
    } finally {
      machine.dispose();
    }
    byEngine.set(key, template);
  }
  return engine.restoreMachine(template, options);
}
