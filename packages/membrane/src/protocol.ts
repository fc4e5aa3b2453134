// What the two sides of the membrane say to each other, and the one owner of its bytes. The host
// encodes and decodes here; the guest's end does the same in C (packages/xs-wasm/c/xsb_wire.c),
// and test/protocol.test.ts holds the two to the same bytes.
//
// PROTOCOL_VERSION 1. Every message is one request or one reply; multi-byte fields are
// little-endian; a string is `u32 n | n bytes of CESU-8` (XS's own text: UTF-16 code units, each
// as UTF-8 would encode a code point, U+0000 as C0 80); binary data is `u32 n | n bytes`, as they
// are; ids are u32.
//
//   message  = u8 op | fields
//   op  1 GET        t k               read property k of t
//   op  2 SET        t k v             set it (the reply's value: true or false)
//   op  3 HAS        t k               `k in t`
//   op  4 DELETE     t k
//   op  5 KEYS       t                 own keys (the reply: a LIST)
//   op  6 DESCRIBE   t k               own property descriptor (the reply: a DESCRIPTOR or undefined)
//   op  7 DEFINE     t k d             d is a DESCRIPTOR
//   op  8 PROTO      t
//   op  9 APPLY      t self u32 n args…
//   op 10 CONSTRUCT  t u32 n args…
//   op 11 SETTLE     u32 id | u8 0 (fulfilled) or 1 (rejected) | value: the sender's promise #id settled
//   op 12 RELEASE    u32 n | n × (u32 id | u32 count): the receiver's ids, each sent `count` times, dropped
//   op 64 OK         value             the reply: what the request gave
//   op 65 ERR        value             the reply: what it threw
//   Ops 13–63 and 66–255 are reserved; a message with one of them is refused.
//
//   value = u8 tag | payload
//   tag  0 UNDEFINED
//   tag  1 NULL
//   tag  2 FALSE
//   tag  3 TRUE
//   tag  4 INT32       i32: a number that is an int32 and not -0 (always this tag, so a value has one encoding)
//   tag  5 FLOAT64     f64: every other number; NaN as 0x7FF8000000000000, -0 kept
//   tag  6 STRING      string
//   tag  7 BIGINT      string: decimal digits, '-' first if negative
//   tag  8 SYMBOL      u8: index in WELL_KNOWN_SYMBOLS (symbols.ts): Symbol.iterator and the like
//   tag  9 REGISTERED  string: Symbol.for(key)
//   tag 10 SENDER      u32 id | u8 kind (0 object, 1 function, 2 array): an object of the sender's
//   tag 11 NAMED       u32 id | u8 kind | string name: the same, named for a restore (see MembraneSideOptions.nameOf)
//   tag 12 RECEIVER    u32 id: an object of the receiver's, by the id it gave
//   tag 13 INTRINSIC   string path (intrinsics.ts): each side substitutes its own
//   tag 14 WELL_KNOWN  string name: a well-known object of the receiver's (controlChannel, globalThis, modules)
//   tag 15 PROMISE     u32 id: the sender's promise; a SETTLE follows
//   tag 16 ERROR       string name | string message | string stack | u8 0, or u8 1 and the cause (a value)
//   tag 17 DATE        f64 time value
//   tag 18 BUFFER      u32 n | n bytes: an ArrayBuffer's bytes
//   tag 19 VIEW        string class (Uint8Array, DataView, …) | u32 n | n bytes: the bytes it views
//   tag 20 LIST        u32 n | n values (the keys a KEYS request asks for)
//   tag 21 DESCRIPTOR  u8 present | u8 flags | value if present & 1 | get if & 2 | set if & 4
//                      present: 1 value, 2 get, 4 set, 8 writable, 16 enumerable, 32 configurable;
//                      flags: the same bits, set where that attribute is true (8, 16, 32 only)
//   tag 22 COPY        u8 kind | u32 n | n values: plain data copied, kind 0 a record (n/2 pairs of
//                      a STRING key and its value, in order), 1 an array (its n items)
//   Tags 23–255 are reserved.
//
// A message must end where its last field ends: trailing bytes, a length past the end, an unknown
// op, tag or symbol index, a kind or flag byte out of range, are each a ProtocolError.
import { decodeCesu8, writeCesu8 } from '@xsb/xs-wasm';
import { ProtocolError } from './errors.js';
import { WELL_KNOWN_SYMBOLS } from './symbols.js';

/** The version of this format; a journal's header records it. */
export const PROTOCOL_VERSION = 1;

/** A value in a message, decoded: primitives stand for themselves, the rest are references and copies. */
export type Encoded =
  | undefined
  | null
  | boolean
  | number
  | string
  | bigint
  | { readonly $: 'y'; readonly w: string } // well-known symbol, e.g. 'iterator'
  | { readonly $: 'y'; readonly r: string } // registered symbol: Symbol.for(r)
  | { readonly $: 's'; readonly id: number; readonly k: 'o' | 'f' | 'a'; readonly n?: string } // the sender's object, function or array; `n` names it for a restore
  | { readonly $: 'd'; readonly id: number } // the receiver's own object
  | { readonly $: 'i'; readonly p: string } // an intrinsic
  | { readonly $: 'w'; readonly n: string } // a well-known object of the receiver's
  | { readonly $: 'p'; readonly id: number } // the sender's promise: its settlement follows
  | { readonly $: 'e'; readonly n: string; readonly m: string; readonly s: string; readonly c?: Encoded } // an error, copied
  | { readonly $: 'dt'; readonly v: number } // a Date, copied
  | { readonly $: 'ab'; readonly v: ArrayBuffer } // an ArrayBuffer, copied: decoded, a buffer of its own
  | { readonly $: 'ta'; readonly c: string; readonly v: ArrayBuffer } // a typed array or DataView, copied: the bytes it views
  | { readonly $: 'c'; readonly k: 0 | 1; readonly v: readonly Encoded[] }; // plain data copied: k 0 a record (v: key, value, key, value…), 1 an array

/** A value, a LIST or a DESCRIPTOR: lists and descriptors only where the format says (DEFINE's d, the replies to KEYS and DESCRIBE). */
export type Payload = Encoded | readonly Encoded[] | EncodedDescriptor;

export interface EncodedDescriptor {
  readonly $?: undefined;
  readonly v?: Encoded;
  readonly g?: Encoded;
  readonly s?: Encoded;
  readonly w?: boolean;
  readonly e?: boolean;
  readonly c?: boolean;
}

/** A target of an operation: always an object of the receiver's. */
export type Target = Encoded;

export type Request =
  | { readonly op: 'get'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'set'; readonly t: Target; readonly k: Encoded; readonly v: Encoded }
  | { readonly op: 'has'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'delete'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'keys'; readonly t: Target }
  | { readonly op: 'describe'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'define'; readonly t: Target; readonly k: Encoded; readonly d: EncodedDescriptor }
  | { readonly op: 'proto'; readonly t: Target }
  | { readonly op: 'apply'; readonly t: Target; readonly self: Encoded; readonly args: readonly Encoded[] }
  | { readonly op: 'construct'; readonly t: Target; readonly args: readonly Encoded[] }
  | { readonly op: 'settle'; readonly id: number; readonly ok?: Encoded; readonly err?: Encoded }
  | { readonly op: 'release'; readonly ids: readonly (readonly [id: number, count: number])[] };

export type Reply = { readonly ok: Payload } | { readonly err: Encoded };

export type Message = Request | Reply;

/** Op bytes by name (see the table above). */
export const OPS = Object.freeze({
  get: 1,
  set: 2,
  has: 3,
  delete: 4,
  keys: 5,
  describe: 6,
  define: 7,
  proto: 8,
  apply: 9,
  construct: 10,
  settle: 11,
  release: 12,
  ok: 64,
  err: 65,
} as const);
const OP_NAMES: readonly (Request['op'] | undefined)[] = [
  undefined,
  'get',
  'set',
  'has',
  'delete',
  'keys',
  'describe',
  'define',
  'proto',
  'apply',
  'construct',
  'settle',
  'release',
];

/** Value tags by name (see the table above). */
export const TAGS = Object.freeze({
  UNDEFINED: 0,
  NULL: 1,
  FALSE: 2,
  TRUE: 3,
  INT32: 4,
  FLOAT64: 5,
  STRING: 6,
  BIGINT: 7,
  SYMBOL: 8,
  REGISTERED: 9,
  SENDER: 10,
  NAMED: 11,
  RECEIVER: 12,
  INTRINSIC: 13,
  WELL_KNOWN: 14,
  PROMISE: 15,
  ERROR: 16,
  DATE: 17,
  BUFFER: 18,
  VIEW: 19,
  LIST: 20,
  DESCRIPTOR: 21,
  COPY: 22,
} as const);
const KINDS = ['o', 'f', 'a'] as const;
const KIND_BYTES: Readonly<Record<string, number>> = { o: 0, f: 1, a: 2 };
const D_VALUE = 1;
const D_GET = 2;
const D_SET = 4;
const D_WRITABLE = 8;
const D_ENUMERABLE = 16;
const D_CONFIGURABLE = 32;

// ---------------------------------------------------------------- encoding

/** The buffer messages are written into, grown as needed and kept: a call allocates only its copy. */
let out = new Uint8Array(256);
let outView = new DataView(out.buffer);
let at = 0;

function room(n: number): void {
  if (at + n <= out.length) return;
  let size = out.length * 2;
  while (size < at + n) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(out.subarray(0, at));
  out = grown;
  outView = new DataView(out.buffer);
}

function u8(value: number): void {
  room(1);
  out[at++] = value;
}

function u32(value: number): void {
  room(4);
  outView.setUint32(at, value, true);
  at += 4;
}

/** A string as u32 length and CESU-8, written in place. */
function string(text: string): void {
  room(4 + text.length * 3);
  const end = writeCesu8(text, out, at + 4);
  outView.setUint32(at, end - at - 4, true);
  at = end;
}

const bufferLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!;

/** An ArrayBuffer's bytes as u32 length and the bytes, copied in. */
function binary(buffer: ArrayBuffer, what: string): void {
  let bytes: Uint8Array;
  try {
    // the getter throws for anything but an ArrayBuffer (an array-like would make a Uint8Array too);
    // the constructor throws for a detached one
    bufferLength.call(buffer);
    bytes = new Uint8Array(buffer);
  } catch {
    throw new ProtocolError(`cannot encode ${what}: it must be an ArrayBuffer, not detached`);
  }
  room(4 + bytes.length);
  outView.setUint32(at, bytes.length, true);
  out.set(bytes, at + 4);
  at += 4 + bytes.length;
}

function f64(value: number): void {
  room(8);
  if (Number.isNaN(value)) {
    // one NaN: engines differ in the payloads they produce
    outView.setUint32(at, 0, true);
    outView.setUint32(at + 4, 0x7ff80000, true);
  } else outView.setFloat64(at, value, true);
  at += 8;
}

function id(value: number): void {
  if (!(value >>> 0 === value)) throw new ProtocolError(`an id must be a u32, not ${String(value)}`);
  u32(value);
}

function value(encoded: Payload): void {
  switch (typeof encoded) {
    case 'undefined':
      u8(TAGS.UNDEFINED);
      return;
    case 'boolean':
      u8(encoded ? TAGS.TRUE : TAGS.FALSE);
      return;
    case 'number':
      if ((encoded | 0) === encoded && !(encoded === 0 && 1 / encoded < 0)) {
        room(5);
        out[at] = TAGS.INT32;
        outView.setInt32(at + 1, encoded, true);
        at += 5;
        return;
      }
      u8(TAGS.FLOAT64);
      f64(encoded);
      return;
    case 'string':
      u8(TAGS.STRING);
      string(encoded);
      return;
    case 'bigint':
      u8(TAGS.BIGINT);
      string(encoded.toString());
      return;
  }
  if (encoded === null) {
    u8(TAGS.NULL);
    return;
  }
  if (Array.isArray(encoded)) {
    u8(TAGS.LIST);
    u32(encoded.length);
    for (const item of encoded) value(item);
    return;
  }
  const e = encoded as Exclude<Payload, readonly Encoded[] | undefined | null | boolean | number | string | bigint>;
  switch (e.$) {
    case 's':
      u8(e.n === undefined ? TAGS.SENDER : TAGS.NAMED);
      id(e.id);
      u8(KIND_BYTES[e.k] ?? badField('kind', e.k));
      if (e.n !== undefined) string(e.n);
      return;
    case 'd':
      u8(TAGS.RECEIVER);
      id(e.id);
      return;
    case 'y':
      if ('r' in e) {
        u8(TAGS.REGISTERED);
        string(e.r);
        return;
      } else {
        const index = WELL_KNOWN_SYMBOLS.indexOf(e.w);
        if (index < 0) badField('well-known symbol', e.w);
        u8(TAGS.SYMBOL);
        u8(index);
        return;
      }
    case 'i':
      u8(TAGS.INTRINSIC);
      string(e.p);
      return;
    case 'w':
      u8(TAGS.WELL_KNOWN);
      string(e.n);
      return;
    case 'p':
      u8(TAGS.PROMISE);
      id(e.id);
      return;
    case 'e':
      u8(TAGS.ERROR);
      string(e.n);
      string(e.m);
      string(e.s);
      if ('c' in e) {
        u8(1);
        value(e.c);
      } else u8(0);
      return;
    case 'dt':
      u8(TAGS.DATE);
      f64(e.v);
      return;
    case 'ab':
      u8(TAGS.BUFFER);
      binary(e.v, "a buffer's bytes");
      return;
    case 'ta':
      u8(TAGS.VIEW);
      string(e.c);
      binary(e.v, "a view's bytes");
      return;
    case 'c':
      u8(TAGS.COPY);
      u8(e.k === 0 || e.k === 1 ? e.k : badField("copy's kind", e.k));
      u32(e.v.length);
      for (const item of e.v) value(item);
      return;
    case undefined:
      descriptor(e as EncodedDescriptor);
      return;
    default:
      badField('value', (e as { $: unknown }).$);
  }
}

function descriptor(d: EncodedDescriptor): void {
  let present = 0;
  let flags = 0;
  if ('v' in d) present |= D_VALUE;
  if ('g' in d) present |= D_GET;
  if ('s' in d) present |= D_SET;
  if (d.w !== undefined) (present |= D_WRITABLE), (flags |= d.w ? D_WRITABLE : 0);
  if (d.e !== undefined) (present |= D_ENUMERABLE), (flags |= d.e ? D_ENUMERABLE : 0);
  if (d.c !== undefined) (present |= D_CONFIGURABLE), (flags |= d.c ? D_CONFIGURABLE : 0);
  u8(TAGS.DESCRIPTOR);
  u8(present);
  u8(flags);
  if (present & D_VALUE) value(d.v);
  if (present & D_GET) value(d.g);
  if (present & D_SET) value(d.s);
}

function badField(what: string, found: unknown): never {
  throw new ProtocolError(`cannot encode ${what} ${JSON.stringify(String(found))}: protocol.ts lists what a message holds`);
}

function args(list: readonly Encoded[]): void {
  u32(list.length);
  for (let i = 0; i < list.length; i++) value(list[i]);
}

/** A message's bytes, in a buffer of their own. */
export function encodeMessage(message: Message): Uint8Array {
  at = 0;
  try {
    if ('op' in message) {
      const m = message as Request;
      u8(OPS[m.op] ?? badField('op', m.op));
      switch (m.op) {
        case 'get':
        case 'has':
        case 'delete':
        case 'describe':
          value(m.t);
          value(m.k);
          break;
        case 'set':
          value(m.t);
          value(m.k);
          value(m.v);
          break;
        case 'keys':
        case 'proto':
          value(m.t);
          break;
        case 'define':
          value(m.t);
          value(m.k);
          descriptor(m.d);
          break;
        case 'apply':
          value(m.t);
          value(m.self);
          args(m.args);
          break;
        case 'construct':
          value(m.t);
          args(m.args);
          break;
        case 'settle':
          id(m.id);
          u8('err' in m ? 1 : 0);
          value('err' in m ? m.err : m.ok);
          break;
        case 'release':
          u32(m.ids.length);
          for (const [released, count] of m.ids) {
            id(released);
            u32(count);
          }
          break;
      }
    } else if ('ok' in message) {
      u8(OPS.ok);
      value(message.ok);
    } else {
      u8(OPS.err);
      value(message.err);
    }
    return out.slice(0, at);
  } finally {
    // a buffer grown by a huge message is not kept
    if (out.length > 1 << 20) {
      out = new Uint8Array(256);
      outView = new DataView(out.buffer);
    }
  }
}

// ---------------------------------------------------------------- decoding

// wasm memory and every host this runs on are little-endian, as the format is
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

const LIST_PAST_END = (n: number) => `a list of ${n} values runs past the end`;
const ARGS_PAST_END = (n: number) => `${n} arguments run past the end`;
const RELEASES_PAST_END = (n: number) => `${n} releases run past the end`;

/** Reads the fields of one message; every way bytes can be wrong is a ProtocolError naming the byte. */
class Cursor {
  at = 0;
  // no DataView per message: making one costs more than reading a small message byte by byte
  constructor(readonly bytes: Uint8Array) {}

  fail(problem: string, offset = this.at): never {
    throw new ProtocolError(`message byte ${offset} of ${this.bytes.length}: ${problem}`);
  }

  need(n: number): void {
    if (this.at + n > this.bytes.length) this.fail(`${n} more bytes are needed, the message ends`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }

  i32(): number {
    this.need(4);
    const { bytes, at } = this;
    this.at = at + 4;
    return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
  }

  u32(): number {
    return this.i32() >>> 0;
  }

  f64(): number {
    this.need(8);
    for (let i = 0; i < 8; i++) F64_BYTES[i] = this.bytes[this.at + i]!;
    this.at += 8;
    return F64[0]!;
  }

  /** Steps over a string, or binary data (what: 'buffer'); returns where its bytes start. */
  skipString(what = 'string'): number {
    const length = this.u32();
    if (length > this.bytes.length - this.at) this.fail(`a ${what} of ${length} bytes runs past the end`, this.at - 4);
    const start = this.at;
    this.at = start + length;
    return start;
  }

  /** Binary data, in a buffer of its own. */
  binary(): ArrayBuffer {
    const start = this.skipString('buffer');
    return this.bytes.slice(start, this.at).buffer;
  }

  /** The kind byte of SENDER and NAMED, checked. */
  kind(): number {
    const kind = this.u8();
    if (kind > 2) this.fail(`object kind ${kind} is none of 0 (object), 1 (function), 2 (array)`, this.at - 1);
    return kind;
  }

  symbolIndex(start: number): number {
    const index = this.u8();
    if (index >= WELL_KNOWN_SYMBOLS.length) this.fail(`no well-known symbol has index ${index}`, start + 1);
    return index;
  }

  causeFlag(): number {
    const hasCause = this.u8();
    if (hasCause > 1) this.fail(`an error's cause flag is ${hasCause}, not 0 or 1`, this.at - 1);
    return hasCause;
  }

  /** A count of things at least `size` bytes each that must fit in what is left. */
  count(problem: (n: number) => string, size = 1): number {
    const n = this.u32();
    if (n > (this.bytes.length - this.at) / size) this.fail(problem(n), this.at - 4);
    return n;
  }

  descriptorBits(start: number): [present: number, flags: number] {
    const present = this.u8();
    const flags = this.u8();
    if (present & ~63 || flags & ~(D_WRITABLE | D_ENUMERABLE | D_CONFIGURABLE) || flags & ~present) {
      this.fail(`descriptor bits ${present}/${flags} are not ones protocol.ts defines`, start);
    }
    return [present, flags];
  }

  outcome(): number {
    const outcome = this.u8();
    if (outcome > 1) this.fail(`a settlement's outcome is ${outcome}, not 0 (fulfilled) or 1 (rejected)`, this.at - 1);
    return outcome;
  }

  string(): string {
    const start = this.skipString();
    const end = this.at;
    const length = end - start;
    const { bytes } = this;
    if (length < 64) {
      let text = '';
      for (let i = start; i < end; i++) {
        const b = bytes[i]!;
        if (b >= 0x80) return decodeCesu8(bytes.subarray(start, end));
        text += String.fromCharCode(b);
      }
      return text;
    }
    return decodeCesu8(bytes.subarray(start, end));
  }

  bigint(start: number): string {
    const digits = this.string();
    if (!/^-?\d+$/.test(digits)) this.fail(`a bigint must be decimal digits, not ${JSON.stringify(digits.slice(0, 40))}`, start);
    return digits;
  }

  end(): void {
    if (this.at !== this.bytes.length) this.fail(`${this.bytes.length - this.at} bytes follow the end of the message`);
  }
}

/** Decodes one message. */
class Reader extends Cursor {
  /** A value where the format allows a value only. */
  value(): Encoded {
    const start = this.at;
    const found = this.payload();
    if (found !== null && typeof found === 'object' && (Array.isArray(found) || !('$' in found) || found.$ === undefined)) {
      this.fail(`a ${Array.isArray(found) ? 'list' : 'descriptor'} where a value was expected`, start);
    }
    return found as Encoded;
  }

  payload(): Payload {
    const start = this.at;
    const tag = this.u8();
    switch (tag) {
      case TAGS.UNDEFINED:
        return undefined;
      case TAGS.NULL:
        return null;
      case TAGS.FALSE:
        return false;
      case TAGS.TRUE:
        return true;
      case TAGS.INT32:
        return this.i32();
      case TAGS.FLOAT64:
        return this.f64();
      case TAGS.STRING:
        return this.string();
      case TAGS.BIGINT:
        return BigInt(this.bigint(start));
      case TAGS.SYMBOL:
        return { $: 'y', w: WELL_KNOWN_SYMBOLS[this.symbolIndex(start)]! };
      case TAGS.REGISTERED:
        return { $: 'y', r: this.string() };
      case TAGS.SENDER:
      case TAGS.NAMED: {
        const id = this.u32();
        const k = KINDS[this.kind()]!;
        return tag === TAGS.SENDER ? { $: 's', id, k } : { $: 's', id, k, n: this.string() };
      }
      case TAGS.RECEIVER:
        return { $: 'd', id: this.u32() };
      case TAGS.INTRINSIC:
        return { $: 'i', p: this.string() };
      case TAGS.WELL_KNOWN:
        return { $: 'w', n: this.string() };
      case TAGS.PROMISE:
        return { $: 'p', id: this.u32() };
      case TAGS.ERROR: {
        const n = this.string();
        const m = this.string();
        const s = this.string();
        return this.causeFlag() ? { $: 'e', n, m, s, c: this.value() } : { $: 'e', n, m, s };
      }
      case TAGS.DATE:
        return { $: 'dt', v: this.f64() };
      case TAGS.BUFFER:
        return { $: 'ab', v: this.binary() };
      case TAGS.VIEW: {
        const c = this.string();
        return { $: 'ta', c, v: this.binary() };
      }
      case TAGS.LIST: {
        // every value is at least one byte: a count past the bytes left is a lie, not a big list
        const n = this.count(LIST_PAST_END);
        const list = new Array<Encoded>(n);
        for (let i = 0; i < n; i++) list[i] = this.value();
        return list;
      }
      case TAGS.DESCRIPTOR:
        return this.descriptorBody(start);
      case TAGS.COPY: {
        const k = this.u8();
        if (k !== 0 && k !== 1) this.fail(`a copy's kind is ${k}, not 0 (a record) or 1 (an array)`, this.at - 1);
        const n = this.count(LIST_PAST_END);
        const v = new Array<Encoded>(n);
        for (let i = 0; i < n; i++) v[i] = this.value();
        return { $: 'c', k: k as 0 | 1, v };
      }
      default:
        return this.fail(`unknown value tag ${tag}`, start);
    }
  }

  descriptor(): EncodedDescriptor {
    const start = this.at;
    const tag = this.u8();
    if (tag !== TAGS.DESCRIPTOR) this.fail(`a descriptor was expected, not tag ${tag}`, start);
    return this.descriptorBody(start);
  }

  descriptorBody(start: number): EncodedDescriptor {
    const [present, flags] = this.descriptorBits(start);
    const d: { v?: Encoded; g?: Encoded; s?: Encoded; w?: boolean; e?: boolean; c?: boolean } = {};
    if (present & D_VALUE) d.v = this.value();
    if (present & D_GET) d.g = this.value();
    if (present & D_SET) d.s = this.value();
    if (present & D_WRITABLE) d.w = (flags & D_WRITABLE) !== 0;
    if (present & D_ENUMERABLE) d.e = (flags & D_ENUMERABLE) !== 0;
    if (present & D_CONFIGURABLE) d.c = (flags & D_CONFIGURABLE) !== 0;
    return d;
  }

  args(): Encoded[] {
    const n = this.count(ARGS_PAST_END);
    const list = new Array<Encoded>(n);
    for (let i = 0; i < n; i++) list[i] = this.value();
    return list;
  }
}

/** Decodes a whole message; anything malformed is a ProtocolError. */
export function decodeMessage(bytes: Uint8Array): Message {
  const r = new Reader(bytes);
  const op = r.u8();
  let message: Message;
  switch (op) {
    case OPS.get:
    case OPS.has:
    case OPS.delete:
    case OPS.describe:
      message = { op: OP_NAMES[op] as 'get', t: r.value(), k: r.value() };
      break;
    case OPS.set:
      message = { op: 'set', t: r.value(), k: r.value(), v: r.value() };
      break;
    case OPS.keys:
    case OPS.proto:
      message = { op: OP_NAMES[op] as 'keys', t: r.value() };
      break;
    case OPS.define:
      message = { op: 'define', t: r.value(), k: r.value(), d: r.descriptor() };
      break;
    case OPS.apply:
      message = { op: 'apply', t: r.value(), self: r.value(), args: r.args() };
      break;
    case OPS.construct:
      message = { op: 'construct', t: r.value(), args: r.args() };
      break;
    case OPS.settle: {
      const id = r.u32();
      const outcome = r.outcome();
      message = outcome === 0 ? { op: 'settle', id, ok: r.value() } : { op: 'settle', id, err: r.value() };
      break;
    }
    case OPS.release: {
      const n = r.count(RELEASES_PAST_END, 8);
      const ids = new Array<readonly [number, number]>(n);
      for (let i = 0; i < n; i++) ids[i] = [r.u32(), r.u32()];
      message = { op: 'release', ids };
      break;
    }
    case OPS.ok:
      message = { ok: r.payload() };
      break;
    case OPS.err:
      message = { err: r.value() };
      break;
    default:
      return r.fail(`unknown op ${op}`, 0);
  }
  r.end();
  return message;
}

/** A request, or a ProtocolError if the bytes are a reply or malformed. */
export function decodeRequest(bytes: Uint8Array): Request {
  const message = decodeMessage(bytes);
  if (!('op' in message)) throw new ProtocolError('a reply came where a request was expected');
  return message;
}

/** A reply, or a ProtocolError if the bytes are a request or malformed. */
export function decodeReply(bytes: Uint8Array): Reply {
  const message = decodeMessage(bytes);
  if ('op' in message) throw new ProtocolError('a request came where a reply was expected');
  return message;
}

/** What a message says of ids, as scanReferences reports it. */
export interface ReferenceVisitor {
  /** A SENDER or NAMED value: an object of the sender's, by the id it gave (and its name, for a restore). */
  sender(id: number, name: string | undefined): void;
  /** A PROMISE value: a promise of the sender's. */
  promise(id: number): void;
  /** A pair of a RELEASE request: the receiver's id, sent `count` times, dropped. */
  release(id: number, count: number): void;
  /** A SETTLE request: the sender's promise #id settled. */
  settle(id: number): void;
}

const SENDER_EVENT = 0;
const PROMISE_EVENT = 1;
const RELEASE_EVENT = 2;
const SETTLE_EVENT = 3;

/** Steps over a message as Reader reads it, building nothing but the ids it names. */
class Scanner extends Cursor {
  /** [event, id, count] triples, and the names of SENDER events (undefined for SENDER, a string for NAMED). */
  readonly events: number[] = [];
  readonly names: (string | undefined)[] = [];

  value(): void {
    const start = this.at;
    const tag = this.payload();
    if (tag === TAGS.LIST || tag === TAGS.DESCRIPTOR) {
      this.fail(`a ${tag === TAGS.LIST ? 'list' : 'descriptor'} where a value was expected`, start);
    }
  }

  /** Steps over a value, a list or a descriptor; returns its tag. */
  payload(): number {
    const start = this.at;
    const tag = this.u8();
    switch (tag) {
      case TAGS.UNDEFINED:
      case TAGS.NULL:
      case TAGS.FALSE:
      case TAGS.TRUE:
        break;
      case TAGS.INT32:
        this.i32();
        break;
      case TAGS.FLOAT64:
      case TAGS.DATE:
        this.need(8);
        this.at += 8;
        break;
      case TAGS.STRING:
      case TAGS.REGISTERED:
      case TAGS.INTRINSIC:
      case TAGS.WELL_KNOWN:
        this.skipString();
        break;
      case TAGS.BUFFER:
        this.skipString('buffer');
        break;
      case TAGS.BIGINT:
        this.bigint(start);
        break;
      case TAGS.SYMBOL:
        this.symbolIndex(start);
        break;
      case TAGS.SENDER:
      case TAGS.NAMED: {
        const id = this.u32();
        this.kind();
        this.events.push(SENDER_EVENT, id, 0);
        this.names.push(tag === TAGS.NAMED ? this.string() : undefined);
        break;
      }
      case TAGS.RECEIVER:
        this.u32();
        break;
      case TAGS.PROMISE:
        this.events.push(PROMISE_EVENT, this.u32(), 0);
        break;
      case TAGS.ERROR:
        this.skipString();
        this.skipString();
        this.skipString();
        if (this.causeFlag()) this.value();
        break;
      case TAGS.VIEW:
        this.skipString();
        this.skipString('buffer');
        break;
      case TAGS.LIST: {
        const n = this.count(LIST_PAST_END);
        for (let i = 0; i < n; i++) this.value();
        break;
      }
      case TAGS.COPY: {
        const k = this.u8();
        if (k !== 0 && k !== 1) this.fail(`a copy's kind is ${k}, not 0 (a record) or 1 (an array)`, this.at - 1);
        const n = this.count(LIST_PAST_END);
        for (let i = 0; i < n; i++) this.value();
        break;
      }
      case TAGS.DESCRIPTOR:
        this.descriptorBody(start);
        break;
      default:
        this.fail(`unknown value tag ${tag}`, start);
    }
    return tag;
  }

  descriptor(): void {
    const start = this.at;
    const tag = this.u8();
    if (tag !== TAGS.DESCRIPTOR) this.fail(`a descriptor was expected, not tag ${tag}`, start);
    this.descriptorBody(start);
  }

  descriptorBody(start: number): void {
    const [present] = this.descriptorBits(start);
    if (present & D_VALUE) this.value();
    if (present & D_GET) this.value();
    if (present & D_SET) this.value();
  }

  args(): void {
    const n = this.count(ARGS_PAST_END);
    for (let i = 0; i < n; i++) this.value();
  }
}

/**
 * Reads the ids a message names without decoding it (the journal's tables follow every message
 * this way). A message decodeMessage refuses is refused alike, with a ProtocolError, before the
 * visitor hears of anything.
 */
export function scanReferences(bytes: Uint8Array, visitor: ReferenceVisitor): void {
  const r = new Scanner(bytes);
  const op = r.u8();
  switch (op) {
    case OPS.get:
    case OPS.has:
    case OPS.delete:
    case OPS.describe:
      r.value();
      r.value();
      break;
    case OPS.set:
      r.value();
      r.value();
      r.value();
      break;
    case OPS.keys:
    case OPS.proto:
      r.value();
      break;
    case OPS.define:
      r.value();
      r.value();
      r.descriptor();
      break;
    case OPS.apply:
      r.value();
      r.value();
      r.args();
      break;
    case OPS.construct:
      r.value();
      r.args();
      break;
    case OPS.settle:
      r.events.push(SETTLE_EVENT, r.u32(), 0);
      r.outcome();
      r.value();
      break;
    case OPS.release: {
      const n = r.count(RELEASES_PAST_END, 8);
      for (let i = 0; i < n; i++) r.events.push(RELEASE_EVENT, r.u32(), r.u32());
      break;
    }
    case OPS.ok:
      r.payload();
      break;
    case OPS.err:
      r.value();
      break;
    default:
      r.fail(`unknown op ${op}`, 0);
  }
  r.end();
  const { events, names } = r;
  for (let i = 0, named = 0; i < events.length; i += 3) {
    const id = events[i + 1]!;
    switch (events[i]) {
      case SENDER_EVENT:
        visitor.sender(id, names[named++]);
        break;
      case PROMISE_EVENT:
        visitor.promise(id);
        break;
      case RELEASE_EVENT:
        visitor.release(id, events[i + 2]!);
        break;
      default:
        visitor.settle(id);
    }
  }
}

/** A message as one line of readable text (for journals, divergences and the playground). */
export function describeMessage(bytes: Uint8Array): string {
  let message: Message;
  try {
    message = decodeMessage(bytes);
  } catch (error) {
    return `<${bytes.length} bytes the protocol refuses: ${(error as Error).message}>`;
  }
  return JSON.stringify(message, (_key, v) =>
    typeof v === 'bigint'
      ? `${v}n`
      : v === undefined
        ? '<undefined>'
        : typeof v === 'number' && !Number.isFinite(v)
          ? String(v)
          : v instanceof ArrayBuffer
            ? `<${v.byteLength} bytes>`
            : v,
  );
}
