// The Node.js entry: the browser entry's API, reading the wasm from disk where a browser fetches
// it (Node's fetch cannot read file: URLs), plus a loader without a promise.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultWasmUrl, Engine, type EngineOptions, loadEngine as loadEngineFrom, type WasmSource } from './engine.js';
import { EngineLoadError } from './errors.js';

export * from './index.js';

const isFile = (wasm: WasmSource): wasm is URL | string =>
  (wasm instanceof URL && wasm.protocol === 'file:') || (typeof wasm === 'string' && !/^[a-z]+:/i.test(wasm));

/** Compiles the engine; a file: URL or path is read from disk. */
export async function loadEngine(source?: WasmSource, options?: EngineOptions): Promise<Engine> {
  const wasm = source ?? defaultWasmUrl();
  return loadEngineFrom(isFile(wasm) ? read(wasm) : wasm, options);
}

function read(file: URL | string): Uint8Array<ArrayBuffer> {
  try {
    // a file's bytes are never in a SharedArrayBuffer
    return readFileSync(file instanceof URL ? fileURLToPath(file) : file) as Uint8Array<ArrayBuffer>;
  } catch (error) {
    throw new EngineLoadError(`the xsb engine's wasm could not be read from ${String(file)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Node.js only: compiles the engine synchronously, from its file or the bytes given. */
export function loadEngineSync(wasm?: BufferSource, options?: EngineOptions): Engine {
  const bytes = wasm ?? read(defaultWasmUrl());
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (error) {
    throw new EngineLoadError(`the xsb engine did not load from ${bytes.byteLength} bytes: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return new Engine(module, options);
}
