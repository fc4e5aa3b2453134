// One engine per test file, loaded the way each environment loads it.
import { type Engine, type EngineOptions, loadEngine } from '@xsb/xs-wasm';

export function engine(options?: EngineOptions): Promise<Engine> {
  return loadEngine(undefined, options);
}

/** Runs guest code that must produce a string, e.g. JSON of a guest object. */
export const text = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`expected a string from the guest, got ${typeof value}`);
  return value;
};
