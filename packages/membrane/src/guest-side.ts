// The guest's side of the membrane put into a machine, and the template snapshot machines start
// from (template.ts), which the build also writes into the package (scripts/build-template.mjs).
import { type Engine, Handle, type Machine } from '@xsb/xs-wasm';
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

/** What shapes a template's heap; the memory limit, clock, meter and handler apply to each machine. */
export interface TemplateSettings {
  readonly stackSlots?: number;
  readonly randomSeed?: number;
}

/** The snapshot of a fresh machine with the guest's side connected. */
export function writeTemplate(engine: Engine, settings: TemplateSettings): Uint8Array {
  const machine = engine.createMachine({
    ...(settings.stackSlots === undefined ? {} : { stackSlots: settings.stackSlots }),
    ...(settings.randomSeed === undefined ? {} : { randomSeed: settings.randomSeed }),
  });
  try {
    connectGuestSide(machine);
    // tight: every machine starts from these bytes, so none needs the growth the guest side's
    // evaluation left behind (an idle machine holds ~250 KiB of heap rather than ~660)
    return machine.snapshot({ tight: true });
  } finally {
    machine.dispose();
  }
}
