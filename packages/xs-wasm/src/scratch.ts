// Values in the scratch region as machine.call and evaluate pass them, in c/xsb.c's tags: a tag byte, then the payload. (The membrane's messages are another format, @xsb/membrane's protocol.ts.)
import { decodeCesu8, encodeCesu8 } from './cesu8.js';
import { MessageTooLargeError } from './errors.js';
import {
  type Pointer,
  XSB_KIND_FUNCTION,
  XSB_KIND_SYMBOL,
  XSB_TAG_BIGINT,
  XSB_TAG_FALSE,
  XSB_TAG_HANDLE,
  XSB_TAG_NULL,
  XSB_TAG_NUMBER,
  XSB_TAG_STRING,
  XSB_TAG_STRING_HEAP,
  XSB_TAG_TRUE,
  XSB_TAG_UNDEFINED,
} from './ffi.js';
import type { Instance } from './instance.js';

export type HandleKind = 'object' | 'function' | 'symbol';
export type GuestPrimitive = undefined | null | boolean | number | string | bigint;

/** How a guest object, function or symbol is written: by its handle id. */
export interface HandleRef {
  readonly id: number;
}

export class ScratchWriter {
  offset = 0;
  constructor(private readonly instance: Instance) {}

  write(value: GuestPrimitive | HandleRef): void {
    const { scratch, scratchSize } = this.instance;
    const need = (n: number) => {
      if (this.offset + n > scratchSize) throw new MessageTooLargeError(this.offset + n, scratchSize);
    };
    need(9);
    const view = this.instance.view;
    const at = scratch + this.offset;
    if (value === undefined) view.setUint8(at, XSB_TAG_UNDEFINED), (this.offset += 1);
    else if (value === null) view.setUint8(at, XSB_TAG_NULL), (this.offset += 1);
    else if (value === true) view.setUint8(at, XSB_TAG_TRUE), (this.offset += 1);
    else if (value === false) view.setUint8(at, XSB_TAG_FALSE), (this.offset += 1);
    else if (typeof value === 'number') {
      view.setUint8(at, XSB_TAG_NUMBER);
      view.setFloat64(at + 1, value, true);
      this.offset += 9;
    } else if (typeof value === 'string' || typeof value === 'bigint') {
      const bytes = encodeCesu8(String(value));
      need(5 + bytes.length);
      view.setUint8(at, typeof value === 'string' ? XSB_TAG_STRING : XSB_TAG_BIGINT);
      view.setUint32(at + 1, bytes.length, true);
      this.instance.bytes.set(bytes, at + 5);
      this.offset += 5 + bytes.length;
    } else {
      view.setUint8(at, XSB_TAG_HANDLE);
      view.setUint32(at + 1, value.id, true);
      view.setUint8(at + 5, 0);
      this.offset += 6;
    }
  }
}

export type ReadValue = GuestPrimitive | { readonly handle: number; readonly kind: HandleKind };

export class ScratchReader {
  offset = 0;
  constructor(private readonly instance: Instance) {}

  read(): ReadValue {
    const { scratch, exports } = this.instance;
    const view = this.instance.view;
    const at = scratch + this.offset;
    const tag = view.getUint8(at);
    switch (tag) {
      case XSB_TAG_UNDEFINED:
        this.offset += 1;
        return undefined;
      case XSB_TAG_NULL:
        this.offset += 1;
        return null;
      case XSB_TAG_TRUE:
        this.offset += 1;
        return true;
      case XSB_TAG_FALSE:
        this.offset += 1;
        return false;
      case XSB_TAG_NUMBER:
        this.offset += 9;
        return view.getFloat64(at + 1, true);
      case XSB_TAG_STRING:
      case XSB_TAG_BIGINT: {
        const length = view.getUint32(at + 1, true);
        const text = decodeCesu8(this.instance.bytes.subarray(at + 5, at + 5 + length));
        this.offset += 5 + length;
        return tag === XSB_TAG_STRING ? text : BigInt(text);
      }
      case XSB_TAG_STRING_HEAP: {
        const address = view.getUint32(at + 1, true);
        const length = view.getUint32(at + 5, true);
        const text = decodeCesu8(this.instance.bytes.subarray(address, address + length));
        exports.xsb_free(address as Pointer<'void'>);
        this.offset += 9;
        return text;
      }
      case XSB_TAG_HANDLE: {
        const handle = view.getUint32(at + 1, true);
        const kind = view.getUint8(at + 5);
        this.offset += 6;
        return { handle, kind: kind === XSB_KIND_FUNCTION ? 'function' : kind === XSB_KIND_SYMBOL ? 'symbol' : 'object' };
      }
      default:
        throw new Error(`unknown value tag ${tag} in the scratch region: the wasm build and the loader disagree`);
    }
  }
}
