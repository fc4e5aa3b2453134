// Machines with the guest's side of the membrane connected come from a snapshot of the first one
// made with the same settings: evaluating the guest side takes tens of milliseconds (more in a
// cold process), restoring the snapshot about one. The package ships the snapshot for the
// default settings, written by the build for the engine it ships, so that a process's first
// sandbox does not pay for it either.
import type { Engine, Machine, MachineOptions } from '@xsb/xs-wasm';
import { fromBase64 } from './base64.js';
import { type TemplateSettings, writeTemplate } from './guest-side.js';
import { SHIPPED_TEMPLATE } from './template.generated.js';

const templates = new WeakMap<Engine, Map<string, Uint8Array>>();

const keyOf = (settings: TemplateSettings): string => JSON.stringify([settings.stackSlots ?? null, settings.randomSeed ?? 0]);

/** The shipped template, if it was written by this engine's build for these settings. */
function shipped(engine: Engine, key: string): Uint8Array | undefined {
  if (SHIPPED_TEMPLATE === null || SHIPPED_TEMPLATE.buildId !== engine.buildId || key !== keyOf({})) return undefined;
  return fromBase64(SHIPPED_TEMPLATE.base64);
}

/**
 * A new machine whose guest side is connected, for attachMembrane(machine, { restored: true }).
 * Machines made with the same stack size and seed start from the same heap, byte for byte.
 */
export function createConnectedMachine(engine: Engine, options: MachineOptions = {}): Machine {
  let byEngine = templates.get(engine);
  if (!byEngine) templates.set(engine, (byEngine = new Map()));
  const key = keyOf(options);
  let template = byEngine.get(key);
  if (!template) {
    template = shipped(engine, key) ?? writeTemplate(engine, options);
    byEngine.set(key, template);
  }
  return engine.restoreMachine(template, options);
}
