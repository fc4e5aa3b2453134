import createXsbModule from '../dist/wasm/xsb.mjs';
import { utf8Decode } from './cesu8.js';
import { EngineLoadError, XsbError } from './errors.js';
import { type MachinePointer, type Pointer, XSB_DEAD, type XsbExports, type XsbImports } from './ffi.js';

type WasmExports = XsbExports & {
  memory: WebAssembly.Memory;
  stackSave(): number;
  stackRestore(sp: number): void;
};

/** What a machine answers when its guest calls out. */
export interface MachineHost {
  message(length: number): number;
  now(): number;
  meter(used: number): number;
}

/**
 * One wasm instance: its memory, its scratch region and the machines living in it. Calls into
 * the wasm go through `enter`, which keeps the host safe if its own stack overflows in there.
 */
export class Instance {
  readonly exports: WasmExports;
  readonly scratch: number;
  readonly scratchSize: number;
  readonly hosts = new Map<number, MachineHost>();
  #buffer: ArrayBuffer | SharedArrayBuffer | undefined;
  #bytes = new Uint8Array(0);
  #view = new DataView(new ArrayBuffer(0));
  #scratchBytes = new Uint8Array(0);
  #depth = 0;
  /** The machine of the innermost call in progress; 0 (a null pointer) when idle. */
  #current = 0 as MachinePointer;

  constructor(module: WebAssembly.Module) {
    let exports: WasmExports | undefined;
    const imports: XsbImports = {
      xsb_host_message: (id, length) => this.#host(id).message(length),
      xsb_host_now: (id) => this.#host(id).now(),
      xsb_host_meter: (id, used) => this.#host(id).meter(used),
    };
    const settings = {
      xsbHost: imports,
      // the glue would otherwise compute the wasm's URL from import.meta.url, which workerd lacks;
      // the module is already compiled (instantiateWasm), so no file is ever located
      locateFile: (file: string) => file,
      print: () => {},
      printErr: () => {},
      instantiateWasm(info: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
        const instance = new WebAssembly.Instance(module, info);
        exports = instance.exports as unknown as WasmExports;
        receive(instance);
        return instance.exports;
      },
    };
    // With instantiateWasm answering synchronously, the factory has finished its work on return.
    void createXsbModule(settings);
    if (!exports) throw new EngineLoadError('the wasm module did not instantiate synchronously');
    this.exports = exports;
    this.scratch = exports.xsb_scratch();
    this.scratchSize = exports.xsb_scratch_size();
  }

  #host(id: number): MachineHost {
    const host = this.hosts.get(id);
    if (!host) throw new XsbError(`no host for machine ${id}`);
    return host;
  }

  /** The instance's memory as bytes; views are renewed after the memory grows. */
  get bytes(): Uint8Array {
    this.#refresh();
    return this.#bytes;
  }

  get view(): DataView {
    this.#refresh();
    return this.#view;
  }

  /** The scratch region's bytes (scratchSize of them), renewed with the memory as bytes is. */
  get scratchBytes(): Uint8Array {
    this.#refresh();
    return this.#scratchBytes;
  }

  #refresh(): void {
    // growing the memory detaches its old buffer: asking the memory for its buffer costs more
    if (this.#bytes.byteLength !== 0) return;
    const buffer = this.exports.memory.buffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#bytes = new Uint8Array(buffer);
      this.#view = new DataView(buffer);
      this.#scratchBytes = this.#bytes.subarray(this.scratch, this.scratch + this.scratchSize);
    }
  }

  readCString(pointer: Pointer<'char'>): string {
    const bytes = this.bytes;
    let end = pointer as number;
    while (bytes[end] !== 0) end++;
    return utf8Decode(bytes.subarray(pointer, end));
  }

  /**
   * Calls into machine m. A JavaScript exception that unwinds through the wasm (the host's own
   * stack overflowing inside the guest) tears the machine's state: it is killed, and the glue's
   * entry bookkeeping restored, so that the host and the other machines carry on.
   */
  enter(m: MachinePointer, call: () => number): number {
    const sp = this.exports.stackSave();
    const previous = this.#current;
    this.#depth++;
    this.#current = m;
    try {
      return call();
    } catch {
      this.exports.stackRestore(sp);
      this.exports.xsb_machine_kill(m, this.#depth - 1, previous);
      return XSB_DEAD;
    } finally {
      this.#depth--;
      this.#current = previous;
    }
  }

  get idle(): boolean {
    return this.#depth === 0;
  }
}
