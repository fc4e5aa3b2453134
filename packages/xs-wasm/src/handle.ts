import { DisposedError } from './errors.js';
import type { HandleKind } from './scratch.js';

/** @internal What a handle needs of its machine (a Machine, structurally: its release is internal). */
export interface HandleOwner {
  release(id: number): void;
}

/**
 * A guest object, function or symbol held by the host. The guest value stays alive until the
 * handle is disposed: explicitly, never by the host's garbage collector, whose timing would
 * otherwise show in the guest's heap and make snapshots differ between runs.
 */
export class Handle implements Disposable {
  #owner: HandleOwner | undefined;
  readonly #id: number;
  readonly kind: HandleKind;

  /** @internal */
  constructor(owner: HandleOwner, id: number, kind: HandleKind) {
    this.#owner = owner;
    this.#id = id;
    this.kind = kind;
  }

  /** The id the guest knows this value by; throws once disposed. */
  get id(): number {
    if (!this.#owner) throw new DisposedError(`this ${this.kind} handle was disposed`);
    return this.#id;
  }

  get disposed(): boolean {
    return this.#owner === undefined;
  }

  /** @internal the owner that must receive this handle */
  ownedBy(owner: HandleOwner): boolean {
    return this.#owner === owner;
  }

  dispose(): void {
    const owner = this.#owner;
    if (!owner) return;
    this.#owner = undefined;
    owner.release(this.#id);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
