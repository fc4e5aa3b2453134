import { type Engine, loadEngine } from '@xsb/xs-wasm';

let engine: Engine | undefined;

/** The engine every test shares (machines are independent of each other in it). */
export async function sharedEngine(): Promise<Engine> {
  engine ??= await loadEngine();
  return engine;
}

/** An engine of its own: a restore there shares nothing with the machine that wrote the journal. */
export const freshEngine = (): Promise<Engine> => loadEngine(undefined, { instances: 'isolated' });
