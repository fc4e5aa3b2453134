// A page bundled by esbuild. esbuild copies the wasm next to the bundle when the page imports it
// (with `--loader:.wasm=file`) and gives its URL, which loadEngine fetches.

import { loadEngine } from '@xsb/sandbox';
import wasmUrl from '@xsb/xs-wasm/xsb.wasm';
import { type LifeBytes, runSuite } from './suite.js';

Object.assign(globalThis, {
  runSuite: async (runtime: string, foreign?: LifeBytes) =>
    runSuite({ runtime, engine: await loadEngine(new URL(wasmUrl as string, import.meta.url)), ...(foreign ? { foreign } : {}) }),
});
