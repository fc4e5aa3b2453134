import { attachMembrane, type Membrane, type MembraneOptions } from '@xsb/membrane';
import { type Engine, loadEngine, type Machine } from '@xsb/xs-wasm';

let engine: Engine | undefined;

/** A fresh machine with the membrane attached. */
export async function guest(
  options: MembraneOptions = {},
  // biome-ignore lint/suspicious/noExplicitAny: guest values are whatever the guest made
): Promise<{ machine: Machine; membrane: Membrane; run: (source: string) => any }> {
  engine ??= await loadEngine();
  const machine = engine.createMachine();
  const membrane = attachMembrane(machine, options);
  return { machine, membrane, run: (source: string) => membrane.evaluateScript(source) };
}
