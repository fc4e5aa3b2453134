import { encodeCesu8 } from './cesu8.js';
import {
  type DeathReason,
  DisposedError,
  GuestError,
  GuestSyntaxError,
  MachineBusyError,
  MachineDeadError,
  MessageTooLargeError,
  MeterExhaustedError,
  NotConnectedError,
  SnapshotError,
  XsbError,
} from './errors.js';
import {
  type MachinePointer,
  type Pointer,
  XSB_BUSY,
  XSB_DEAD,
  XSB_DEATH_FATAL,
  XSB_DEATH_HOST_STACK,
  XSB_DEATH_KEYS,
  XSB_DEATH_MEMORY,
  XSB_DEATH_STACK,
  XSB_METER,
  XSB_NO_PORT,
  XSB_NO_SNAPSHOT,
  XSB_THROWN,
  XSB_TOO_LARGE,
} from './ffi.js';
import { Handle } from './handle.js';
import type { Instance } from './instance.js';
import { type GuestPrimitive, type ReadValue, ScratchReader, ScratchWriter } from './scratch.js';

/** A value as the host sees it: primitives by value, everything else by handle. */
export type GuestValue = GuestPrimitive | Handle;

/** Answers a frame of the guest's end of the channel (see Machine.connect) with the host end's frame. */
export type MessageHandler = (message: Uint8Array) => Uint8Array;
/**
 * Answers the frame of `length` bytes the guest's end wrote at the start of the scratch region
 * (Machine.scratch) with a frame written there; returns its length. No copies: a channel's
 * receiveInRegion.
 */
export type FrameHandler = (length: number) => number;

/** The scratch region, as @xsb/channel's Region: frames written and read in place. */
export interface ScratchRegion {
  /** The region's bytes; ask again after anything may have grown the memory. */
  bytes(): Uint8Array;
  /** Hands the guest's end the frame of `length` bytes written at the region's start; returns the length of its answer, there. */
  exchange(length: number): number;
}

export interface MeterOptions {
  /** Meter units the guest may use per call from the host (nested calls count towards it). */
  readonly limit: number;
  /** Asked when the limit is reached: return a higher limit to let the guest go on. */
  readonly onLimit?: (used: number) => number | undefined;
}

export interface MachineOptions {
  /** Bytes of XS heap, stack and keys the machine may hold. Default 256 MiB. */
  readonly memoryLimit?: number;
  /** Slots of XS stack (16 bytes each): the depth of guest recursion. Default 32,768. */
  readonly stackSlots?: number;
  /** Seeds the guest's Math.random. Default 0. Ignored on restore: the generator is in the heap. */
  readonly randomSeed?: number;
  /** The guest's clock, in milliseconds since the epoch. Default: always 0 (1970-01-01T00:00:00Z). */
  readonly now?: () => number;
  /** Answers the guest's messages. Without one, the guest's send throws. */
  readonly onMessage?: MessageHandler;
  /** Stops runaway guests. Default: no limit. */
  readonly meter?: MeterOptions;
}

const deathReasons: Record<number, DeathReason> = {
  [XSB_DEATH_MEMORY]: 'memory-limit',
  [XSB_DEATH_STACK]: 'stack-overflow',
  [XSB_DEATH_KEYS]: 'too-many-keys',
  [XSB_DEATH_FATAL]: 'fatal',
  [XSB_DEATH_HOST_STACK]: 'host-stack-overflow',
};

/** The machine's side of the import calls, kept off the public class. */
class Host {
  onMessage: MessageHandler | undefined;
  onFrame: FrameHandler | undefined;
  constructor(
    private readonly instance: Instance,
    readonly options: MachineOptions,
  ) {
    this.onMessage = options.onMessage;
  }

  message(length: number): number {
    const instance = this.instance;
    try {
      if (this.onFrame) {
        const answer = this.onFrame(length);
        if (!(answer >= 0 && answer <= instance.scratchSize)) throw new MessageTooLargeError(answer, instance.scratchSize);
        return answer;
      }
      if (!this.onMessage) throw new XsbError('the host gave this machine no onMessage handler');
      const message = instance.bytes.slice(instance.scratch, instance.scratch + length);
      const reply = this.onMessage(message);
      if (reply.length > instance.scratchSize) throw new MessageTooLargeError(reply.length, instance.scratchSize);
      instance.bytes.set(reply, instance.scratch);
      return reply.length;
    } catch (error) {
      // the guest sees a plain Error carrying the message, never the host's error object
      const writer = new ScratchWriter(instance);
      writer.write(String((error as Error)?.message ?? error).slice(0, 4096));
      return -1;
    }
  }

  now(): number {
    try {
      return this.options.now?.() ?? 0;
    } catch {
      return 0;
    }
  }

  meter(used: number): number {
    try {
      return this.options.meter?.onLimit?.(used) ?? 0;
    } catch {
      return 0;
    }
  }
}

/**
 * An XS machine: a guest realm with its own heap, in a wasm instance it may share with others.
 * Every operation is synchronous.
 */
export class Machine implements Disposable {
  readonly #instance: Instance;
  #pointer: MachinePointer | 0;
  readonly #id: number;
  readonly #host: Host;
  #meterLimit = 0;
  #scratch: ScratchRegion | undefined;

  /** @internal use Engine.createMachine or Engine.restoreMachine */
  constructor(instance: Instance, pointer: MachinePointer, options: MachineOptions) {
    this.#instance = instance;
    this.#pointer = pointer;
    this.#id = instance.exports.xsb_machine_id(pointer);
    this.#host = new Host(instance, options);
    instance.hosts.set(this.#id, this.#host);
    if (options.meter) this.meterLimit = options.meter.limit;
  }

  #live(): MachinePointer {
    const pointer = this.#pointer;
    if (!pointer) throw new DisposedError('the machine was disposed');
    return pointer;
  }

  /** Why the machine died, or undefined while it lives. */
  get deathReason(): DeathReason | undefined {
    if (!this.#pointer) return undefined;
    return deathReasons[this.#instance.exports.xsb_machine_death(this.#pointer)];
  }

  get disposed(): boolean {
    return this.#pointer === 0;
  }

  /** Bytes of heap, stack and keys the machine holds now. */
  get memoryUsed(): number {
    return this.#instance.exports.xsb_machine_allocated(this.#live());
  }

  /** Meter units used by the current call from the host, or by the last one. */
  get meterUsed(): number {
    return this.#instance.exports.xsb_machine_meter_used(this.#live());
  }

  /** Meter units used by every call from the host that has ended, since creation or restore. */
  get meterTotal(): number {
    return this.#instance.exports.xsb_machine_meter_total(this.#live());
  }

  /** Meter units allowed per call from the host; 0 for no limit. */
  get meterLimit(): number {
    return this.#meterLimit;
  }

  set meterLimit(limit: number) {
    if (!(limit >= 0)) throw new RangeError(`meterLimit must be a number ≥ 0, got ${limit}`);
    this.#meterLimit = limit;
    this.#instance.exports.xsb_machine_set_meter(this.#live(), limit, this.#host.options.meter?.onLimit ? 1 : 0);
  }

  /** Replaces the handler of the guest's messages (after a restore, say). */
  set onMessage(handler: MessageHandler | undefined) {
    this.#host.onMessage = handler;
  }

  /** Answers the guest's frames in place, in the scratch region; takes precedence over onMessage. */
  set onFrame(handler: FrameHandler | undefined) {
    this.#host.onFrame = handler;
  }

  /** The scratch region, for a channel that writes its frames in place instead of deliver() copying them. */
  get scratch(): ScratchRegion {
    const instance = this.#instance;
    return (this.#scratch ??= {
      bytes: () => instance.scratchBytes,
      exchange: (length: number) => {
        const pointer = this.#live();
        if (!(length >= 0 && length <= instance.scratchSize)) throw new MessageTooLargeError(length, instance.scratchSize);
        const answer = instance.enter(pointer, () => instance.exports.xsb_deliver(pointer, length));
        if (answer < 0) this.#check(answer);
        return answer;
      },
    });
  }

  /** Runs source as a global script; returns its completion value. */
  evaluate(source: string): GuestValue {
    const pointer = this.#live();
    const exports = this.#instance.exports;
    const bytes = encodeCesu8(source);
    const address = exports.xsb_malloc(bytes.length);
    try {
      this.#instance.bytes.set(bytes, address);
      const status = this.#instance.enter(pointer, () =>
        exports.xsb_evaluate(pointer, address as number as Pointer<'char'>, bytes.length),
      );
      return this.#result(status);
    } finally {
      exports.xsb_free(address);
    }
  }

  /** Calls a guest function with a this value and arguments. */
  call(fn: Handle, thisArg: GuestValue = undefined, ...args: readonly GuestValue[]): GuestValue {
    const pointer = this.#live();
    const writer = new ScratchWriter(this.#instance);
    for (const value of [fn, thisArg, ...args]) writer.write(this.#owned(value));
    const status = this.#instance.enter(pointer, () => this.#instance.exports.xsb_call(pointer, args.length));
    return this.#result(status);
  }

  /**
   * Opens the message pump: calls the guest function `factory(send, pump)`, and keeps the
   * function it returns as the guest's receiver. The pump is the guest's end of @xsb/channel,
   * built into the engine: deliver() takes the host's end's frames. Messages are the membrane's
   * wire (@xsb/membrane's protocol.ts, whose header comment specifies the bytes), and the guest
   * sees them decoded: the receiver gets each whole request as the structure decodeMessage builds
   * (`{op: 'get', t: {$: 'd', id: 5}, k: 'x'}`, own data properties only) and returns a reply
   * structure, `{ok: value}` or `{err: value}`, which the engine encodes; `send(request)` encodes a
   * request structure (a TypeError if it cannot), frames it to onMessage and returns the host's
   * reply decoded. Both directions nest to any depth. Malformed bytes from the host never reach
   * the receiver: the engine answers ERR with an ERROR named ProtocolError (empty stack); a
   * malformed reply to send() throws a ProtocolError in the guest.
   * `pump.setFastPath(table, get, encodeResult, encodeThrown)` lets the engine answer GET and
   * APPLY on exported objects itself, without decoding (table: the wet side's Map of id → entry
   * with an own `value`; get: Map.prototype.get; encodeResult/encodeThrown: what the general path
   * would encode for a result or a thrown value), with the bytes the receiver's reply would have;
   * `pump.setFastPath(undefined)` turns it off (Engine.setFastPath turns it off everywhere).
   * `pump.setModuleHook(hook)` gives the machine its ES module host: XS calls
   * `hook('resolve', specifier, referrer | undefined)` for a module's full name (undefined: not
   * found) and `hook('load', name)` for its source; `pump.importNow(specifier)` loads, links and
   * runs a module graph synchronously and returns the namespace. Loaded modules stay in the heap.
   * `pump.evaluateScript(source)` runs a script in the global scope, as evaluate() does.
   */
  connect(factory: Handle): void {
    const pointer = this.#live();
    new ScratchWriter(this.#instance).write(this.#owned(factory));
    this.#check(this.#instance.enter(pointer, () => this.#instance.exports.xsb_connect(pointer)));
  }

  /** Hands one frame of the channel (at most the scratch size) to the guest's end; returns its answer. */
  deliver(message: Uint8Array): Uint8Array {
    const pointer = this.#live();
    const instance = this.#instance;
    if (message.length > instance.scratchSize) throw new MessageTooLargeError(message.length, instance.scratchSize);
    instance.bytes.set(message, instance.scratch);
    const length = instance.enter(pointer, () => instance.exports.xsb_deliver(pointer, message.length));
    if (length < 0) this.#check(length);
    return instance.bytes.slice(instance.scratch, instance.scratch + length);
  }

  /**
   * An XS heap snapshot of the idle machine; Engine.restoreMachine brings it back. A machine
   * restored from it goes on exactly as this one would, collections included, so that snapshots
   * both take later are alike byte for byte. With `tight`, the restored machine's heap is sized
   * to the live heap instead of this machine's whole heap: less memory, but its collections come
   * at other times, so use it for a template machines start from, not to carry one on.
   */
  snapshot(options: { readonly tight?: boolean } = {}): Uint8Array {
    const pointer = this.#live();
    const instance = this.#instance;
    // entered like every call into the machine: writing collects first, and a collection the
    // host's stack cannot hold must kill the machine, not leave its heap half marked
    this.#check(instance.enter(pointer, () => instance.exports.xsb_snapshot(pointer, options.tight ? 1 : 0)));
    const address = instance.view.getUint32(instance.scratch, true);
    const length = instance.view.getUint32(instance.scratch + 4, true);
    const bytes = instance.bytes.slice(address, address + length);
    instance.exports.xsb_free(address as Pointer<'void'>);
    return bytes;
  }

  /**
   * Collects the guest's garbage now. Collections the guest's allocations trigger keep WeakRef
   * targets alive (so that when they run cannot change what the guest sees); this one lets them
   * go, so call it at points of your choosing (the same points on replay) to let the guest's
   * WeakRefs and FinalizationRegistry callbacks see what became garbage.
   */
  collectGarbage(): void {
    const pointer = this.#live();
    this.#check(this.#instance.enter(pointer, () => this.#instance.exports.xsb_collect(pointer)));
  }

  /** @internal */
  release(id: number): void {
    const pointer = this.#pointer;
    if (!pointer || this.deathReason) return;
    this.#instance.enter(pointer, () => this.#instance.exports.xsb_release(pointer, id));
  }

  dispose(): void {
    const pointer = this.#pointer;
    if (!pointer) return;
    if (this.#instance.exports.xsb_machine_dispose(pointer) !== 0) {
      throw new MachineBusyError('dispose() was called from inside a call into this machine; dispose it after the call returns');
    }
    this.#pointer = 0;
    this.#instance.hosts.delete(this.#id);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The value itself, once any handle in it is checked to be live and this machine's. */
  #owned(value: GuestValue): GuestPrimitive | Handle {
    if (value instanceof Handle && !value.ownedBy(this)) {
      throw new XsbError(
        value.disposed ? `a disposed ${value.kind} handle was passed` : 'a handle of another machine was passed',
      );
    }
    return value;
  }

  #result(status: number): GuestValue {
    this.#check(status);
    return this.#value(new ScratchReader(this.#instance).read());
  }

  #value(value: ReadValue): GuestValue {
    if (value !== null && typeof value === 'object') return new Handle(this, value.handle, value.kind);
    return value;
  }

  #check(status: number): void {
    switch (status) {
      case 0:
        return;
      case XSB_THROWN: {
        const reader = new ScratchReader(this.#instance);
        const thrown = this.#value(reader.read());
        if (thrown instanceof Handle) thrown.dispose();
        const [name, message, stack] = [reader.read(), reader.read(), reader.read()].map(String) as [string, string, string];
        throw name === 'SyntaxError' ? new GuestSyntaxError(name, message, stack) : new GuestError(name, message, stack);
      }
      case XSB_METER:
        throw new MeterExhaustedError(this.meterUsed);
      case XSB_DEAD:
        throw new MachineDeadError(this.deathReason ?? 'fatal');
      case XSB_TOO_LARGE:
        throw new MessageTooLargeError(undefined, this.#instance.scratchSize);
      case XSB_BUSY:
        throw new MachineBusyError('snapshot() needs the machine idle: call it after the current call returns');
      case XSB_NO_PORT:
        throw new NotConnectedError();
      case XSB_NO_SNAPSHOT:
        throw new SnapshotError('XS could not write a snapshot of this machine (out of memory while writing it)');
      default:
        throw new XsbError(`the engine returned status ${status}`);
    }
  }
}
