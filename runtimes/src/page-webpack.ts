// A page bundled by webpack 5, which follows `new URL('…xsb.wasm', import.meta.url)` in the
// engine's package and emits the wasm as an asset: loadEngine() needs no argument.
import { loadEngine } from '@xsb/sandbox';
import { type LifeBytes, runSuite } from './suite.js';

Object.assign(globalThis, {
  runSuite: async (runtime: string, foreign?: LifeBytes) =>
    runSuite({ runtime, engine: await loadEngine(), ...(foreign ? { foreign } : {}) }),
});
