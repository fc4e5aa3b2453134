// The Node.js entry: the browser entry's API, reading the wasm from disk where a browser fetches
// it (Node's fetch cannot read file: URLs), plus a loader without a promise.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultWasmUrl, Engine, type EngineOptions, loadEngine as loadEngineFrom, type WasmSource } from './engine.js';

export * from './index.js';

const isFile = (wasm: WasmSource): wasm is URL | string =>
  (wasm instanceof URL && wasm.protocol === 'file:') || (typeof wasm === 'string' && !/^[a-z]+:/i.test(wasm));

/** Compiles the engine; a file: URL or path is read from disk. */
export function loadEngine(source?: WasmSource, options?: EngineOptions): Promise<Engine> {
  const wasm = source ?? defaultWasmUrl();
  return loadEngineFrom(isFile(wasm) ? readFileSync(wasm instanceof URL ? fileURLToPath(wasm) : wasm) : wasm, options);
}

/** Node.js only: compiles the engine synchronously, from its file or the bytes given. */
export function loadEngineSync(wasm?: BufferSource, options?: EngineOptions): Engine {
  return new Engine(new WebAssembly.Module(wasm ?? readFileSync(fileURLToPath(defaultWasmUrl()))), options);
}
