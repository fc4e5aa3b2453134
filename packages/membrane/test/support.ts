import { attachMembrane, type Membrane } from '@xsb/membrane';
import { type Engine, loadEngine, type Machine } from '@xsb/xs-wasm';

let engine: Engine | undefined;

/** A fresh machine with the membrane attached. */
// biome-ignore lint/suspicious/noExplicitAny: guest values are whatever the guest made
export async function guest(): Promise<{ machine: Machine; membrane: Membrane; run: (source: string) => any }> {
  engine ??= await loadEngine();
  const machine = engine.createMachine();
  const membrane = attachMembrane(machine);
  return { machine, membrane, run: (source: string) => membrane.evaluateScript(source) };
}
