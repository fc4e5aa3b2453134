import { bootScript } from './boot.js';
import { EngineLoadError, SnapshotError } from './errors.js';
import type { MachinePointer, Pointer } from './ffi.js';
import { Instance } from './instance.js';
import { Machine, type MachineOptions } from './machine.js';

const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;
const DEFAULT_STACK_SLOTS = 32 * 1024;
/**
 * Bytes of the wasm shadow stack a guest may use below the outermost entry. V8's own stack
 * overflows first if this is too large (each wasm frame also takes native stack), so it is
 * chosen by measurement: see test/limits.test.ts.
 */
const DEFAULT_STACK_BUDGET = 256 * 1024;

export interface EngineOptions {
  /**
   * Where machines live: 'shared' puts every machine of this engine in one wasm instance (the
   * cheapest per machine); 'isolated' gives each machine an instance of its own.
   */
  readonly instances?: 'shared' | 'isolated';
  /**
   * Bytes of wasm stack the guests of an instance may use below the host's outermost call,
   * shared by nested calls into any of its machines. Past it the guest gets a RangeError. Default
   * 256 KiB (measured in test/limits.test.ts: 254 nested host↔guest calls, 400 nested
   * `[].map` recursions); raise it only together with the host's own stack (`node --stack-size`), since each
   * wasm frame also takes host stack. At most the wasm stack's size less 64 KiB (960 KiB).
   */
  readonly stackBudget?: number;
}

/** The compiled XS engine. Creating machines from it is synchronous. */
export class Engine {
  readonly module: WebAssembly.Module;
  readonly buildId: string;
  readonly #options: EngineOptions;
  #shared: Instance | undefined;
  #fastPath = true;

  /** @internal use loadEngine */
  constructor(module: WebAssembly.Module, options: EngineOptions = {}) {
    this.module = module;
    this.#options = options;
    const probe = this.#instance();
    this.buildId = probe.readCString(probe.exports.xsb_build_id());
  }

  #instance(): Instance {
    if (this.#options.instances === 'isolated') return this.#newInstance();
    this.#shared ??= this.#newInstance();
    return this.#shared;
  }

  /** Bytes of linear memory of the shared instance (it grows, never shrinks); 0 with isolated instances. */
  get wasmMemoryBytes(): number {
    return this.#shared?.exports.memory.buffer.byteLength ?? 0;
  }

  #newInstance(): Instance {
    const instance = new Instance(this.module);
    instance.exports.xsb_set_stack_budget(this.#options.stackBudget ?? DEFAULT_STACK_BUDGET);
    instance.exports.xsb_set_fast_path(this.#fastPath ? 1 : 0);
    return instance;
  }

  /**
   * Turns the pump's fast path (pump.setFastPath; see Machine.connect) on or off for the machines
   * created from now on, and those of the shared instance: on by default, off to compare the two.
   */
  /** Whether the pump's fast path is on (see setFastPath). */
  get fastPath(): boolean {
    return this.#fastPath;
  }

  setFastPath(on: boolean): void {
    this.#fastPath = on;
    this.#shared?.exports.xsb_set_fast_path(on ? 1 : 0);
  }

  /** A fresh machine: ECMAScript globals only, a seeded Math.random, the host's clock. */
  createMachine(options: MachineOptions = {}): Machine {
    const instance = this.#instance();
    const pointer = instance.exports.xsb_machine_create(
      options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      options.stackSlots ?? DEFAULT_STACK_SLOTS,
    );
    if (!pointer) throw new RangeError(`a machine does not fit in memoryLimit ${options.memoryLimit} bytes`);
    const machine = new Machine(instance, pointer, options);
    machine.evaluate(bootScript(options.randomSeed ?? 0));
    return machine;
  }

  /** Brings back a machine from Machine.snapshot() bytes written by this engine build. */
  restoreMachine(snapshot: Uint8Array, options: MachineOptions = {}): Machine {
    const instance = this.#instance();
    const address = instance.exports.xsb_malloc(snapshot.length);
    const sp = instance.exports.stackSave();
    let pointer: MachinePointer | 0 = 0;
    try {
      instance.bytes.set(snapshot, address);
      pointer = instance.exports.xsb_machine_restore(
        address as number as Pointer<'uint8_t'>,
        snapshot.length,
        options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      );
    } catch {
      // damaged bytes can send XS's reader out of bounds: a wasm trap, not a machine
      instance.exports.stackRestore(sp);
    } finally {
      instance.exports.xsb_free(address);
    }
    if (!pointer) {
      throw new SnapshotError(
        `the ${snapshot.length}-byte snapshot did not restore: it is damaged, or was written by another engine build (this is ${this.buildId})`,
      );
    }
    return new Machine(instance, pointer, options);
  }
}

/** Where the wasm comes from: its bytes, a URL to fetch, or an already compiled module. */
export type WasmSource = BufferSource | URL | string | WebAssembly.Module;

/**
 * The wasm file next to this package's code. A function, so that importing the package computes no
 * URL: workerd has no import.meta.url, and takes the module compiled (see loadEngine). Bundlers
 * that follow `new URL(…, import.meta.url)` (webpack, Vite) emit the file it names.
 */
export function defaultWasmUrl(): URL {
  try {
    return new URL('../dist/wasm/xsb.wasm', import.meta.url);
  } catch (error) {
    throw new EngineLoadError(
      "this runtime gives modules no URL, so the engine's wasm cannot be found beside its code: pass it to loadEngine (in workerd, list xsb.wasm as a wasm module, import it and pass the WebAssembly.Module)",
      { cause: error },
    );
  }
}

/** Compiles the engine (asynchronously, as browsers require for large modules). */
export async function loadEngine(source?: WasmSource, options?: EngineOptions): Promise<Engine> {
  const wasm = source ?? defaultWasmUrl();
  try {
    if (wasm instanceof WebAssembly.Module) return new Engine(wasm, options);
    if (typeof wasm === 'string' || wasm instanceof URL) {
      const response = await fetch(wasm);
      if (!response.ok) throw new EngineLoadError(notFetched(wasm, response.status, source === undefined));
      return new Engine(await WebAssembly.compile(await response.arrayBuffer()), options);
    }
    return new Engine(await WebAssembly.compile(wasm), options);
  } catch (error) {
    if (error instanceof EngineLoadError) throw error;
    const message = (error as Error).message;
    // workerd, and pages whose Content-Security-Policy has no 'wasm-unsafe-eval'
    const hint = /disallowed|not allowed|unsafe-eval|Content.Security/i.test(message)
      ? ': this runtime compiles no wasm from bytes at run time; give loadEngine a WebAssembly.Module the runtime compiled (in workerd, import xsb.wasm as a wasm module)'
      : '';
    throw new EngineLoadError(`the xsb engine did not load from ${describeSource(wasm)}: ${message}${hint}`, { cause: error });
  }
}

function describeSource(wasm: WasmSource): string {
  if (typeof wasm === 'string' || wasm instanceof URL) return String(wasm);
  if (wasm instanceof WebAssembly.Module) return 'a WebAssembly.Module';
  return `${wasm.byteLength} bytes`;
}

function notFetched(wasm: string | URL, status: number, byDefault: boolean): string {
  // fetch resolves a relative URL against the page, not the script that names it
  const where = typeof globalThis.location === 'object' ? new URL(wasm, globalThis.location.href).href : String(wasm);
  const hint = byDefault
    ? ". The wasm was not copied beside the code: bundlers that follow `new URL('…', import.meta.url)` (webpack 5, Vite) do; with others (esbuild), import the file (`import url from '@xsb/xs-wasm/xsb.wasm'`, with esbuild's `--loader:.wasm=file`) and pass `loadEngine(new URL(url, import.meta.url))`"
    : typeof wasm === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(wasm)
      ? ". A relative URL is taken from the page's address, not the script's: pass `new URL(url, import.meta.url)`"
      : '';
  return `fetching the xsb engine's wasm from ${where} answered ${status}${hint}`;
}
