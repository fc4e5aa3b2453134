// A tiny host-side codec of the membrane's wire (packages/membrane/src/protocol.ts is the
// specification and the reference; xs-wasm does not import @xsb/membrane), for the tests of the
// engine's guest end (c/xsb_wire.c).
import { decodeCesu8, encodeCesu8 } from '@xsb/xs-wasm';

export const SYMBOLS = [
  'asyncIterator',
  'hasInstance',
  'isConcatSpreadable',
  'iterator',
  'match',
  'matchAll',
  'replace',
  'search',
  'species',
  'split',
  'toPrimitive',
  'toStringTag',
  'unscopables',
];
export const OPS: Record<string, number> = {
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
};
const OP_NAMES = Object.fromEntries(Object.entries(OPS).map(([k, v]) => [v, k]));
const KINDS = ['o', 'f', 'a'];

// biome-ignore lint/suspicious/noExplicitAny: structures are loose here
type Any = any;

export function encode(message: Any): Uint8Array {
  const out: number[] = [];
  const u8 = (n: number) => out.push(n & 255);
  const u32 = (n: number) => {
    for (let i = 0; i < 4; i++) out.push((n >>> (8 * i)) & 255);
  };
  const f64 = (n: number) => {
    const b = new Uint8Array(8);
    if (Number.isNaN(n)) b.set([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]);
    else new DataView(b.buffer).setFloat64(0, n, true);
    out.push(...b);
  };
  const str = (s: string) => {
    const b = encodeCesu8(s);
    u32(b.length);
    for (const x of b) out.push(x);
  };
  const bin = (b: ArrayBuffer) => {
    u32(b.byteLength);
    for (const x of new Uint8Array(b)) out.push(x);
  };
  const desc = (d: Any) => {
    let p = 0;
    let f = 0;
    if ('v' in d) p |= 1;
    if ('g' in d) p |= 2;
    if ('s' in d) p |= 4;
    if (d.w !== undefined) (p |= 8), (f |= d.w ? 8 : 0);
    if (d.e !== undefined) (p |= 16), (f |= d.e ? 16 : 0);
    if (d.c !== undefined) (p |= 32), (f |= d.c ? 32 : 0);
    u8(21);
    u8(p);
    u8(f);
    if (p & 1) value(d.v);
    if (p & 2) value(d.g);
    if (p & 4) value(d.s);
  };
  const value = (v: Any): unknown => {
    switch (typeof v) {
      case 'undefined':
        return void u8(0);
      case 'boolean':
        return void u8(v ? 3 : 2);
      case 'number':
        if ((v | 0) === v && !Object.is(v, -0)) {
          u8(4);
          return u32(v);
        }
        u8(5);
        return f64(v);
      case 'string':
        u8(6);
        return str(v);
      case 'bigint':
        u8(7);
        return str(String(v));
    }
    if (v === null) return void u8(1);
    if (Array.isArray(v)) {
      u8(20);
      u32(v.length);
      for (const x of v) value(x);
      return;
    }
    switch (v.$) {
      case 's':
        u8(v.n === undefined ? 10 : 11);
        u32(v.id);
        u8(KINDS.indexOf(v.k));
        if (v.n !== undefined) str(v.n);
        return;
      case 'd':
        u8(12);
        return u32(v.id);
      case 'y':
        if ('r' in v) {
          u8(9);
          return str(v.r);
        }
        u8(8);
        return void u8(SYMBOLS.indexOf(v.w));
      case 'i':
        u8(13);
        return str(v.p);
      case 'w':
        u8(14);
        return str(v.n);
      case 'p':
        u8(15);
        return u32(v.id);
      case 'e':
        u8(16);
        str(v.n);
        str(v.m);
        str(v.s);
        if ('c' in v) {
          u8(1);
          value(v.c);
        } else u8(0);
        return;
      case 'dt':
        u8(17);
        return f64(v.v);
      case 'ab':
        u8(18);
        return bin(v.v);
      case 'ta':
        u8(19);
        str(v.c);
        return bin(v.v);
      default:
        return desc(v);
    }
  };
  if ('op' in message) {
    const m = message;
    u8(OPS[m.op]!);
    switch (m.op) {
      case 'set':
        value(m.t), value(m.k), value(m.v);
        break;
      case 'keys':
      case 'proto':
        value(m.t);
        break;
      case 'define':
        value(m.t), value(m.k), desc(m.d);
        break;
      case 'apply':
        value(m.t), value(m.self), u32(m.args.length);
        for (const a of m.args) value(a);
        break;
      case 'construct':
        value(m.t), u32(m.args.length);
        for (const a of m.args) value(a);
        break;
      case 'settle':
        u32(m.id), u8('err' in m ? 1 : 0), value('err' in m ? m.err : m.ok);
        break;
      case 'release':
        u32(m.ids.length);
        for (const [id, count] of m.ids) u32(id), u32(count);
        break;
      default:
        value(m.t), value(m.k);
    }
  } else if ('ok' in message) u8(64), value(message.ok);
  else u8(65), value(message.err);
  return new Uint8Array(out);
}

/** Decodes well-formed bytes (the tests' own checks of the guest's bytes; no validation beyond). */
export function decode(bytes: Uint8Array): Any {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u8 = () => {
    if (at >= bytes.length) throw new Error(`decode: past the end at ${at}`);
    return bytes[at++]!;
  };
  const u32 = () => ((at += 4), view.getUint32(at - 4, true));
  const str = () => {
    const n = u32();
    at += n;
    return decodeCesu8(bytes.subarray(at - n, at));
  };
  const bin = () => {
    const n = u32();
    at += n;
    return bytes.slice(at - n, at).buffer;
  };
  const desc = (): Any => {
    const p = u8();
    const f = u8();
    const d: Any = {};
    if (p & 1) d.v = value();
    if (p & 2) d.g = value();
    if (p & 4) d.s = value();
    if (p & 8) d.w = !!(f & 8);
    if (p & 16) d.e = !!(f & 16);
    if (p & 32) d.c = !!(f & 32);
    return d;
  };
  const list = () => Array.from({ length: u32() }, () => value());
  const value = (): Any => {
    const tag = u8();
    switch (tag) {
      case 0:
        return undefined;
      case 1:
        return null;
      case 2:
        return false;
      case 3:
        return true;
      case 4:
        return (at += 4), view.getInt32(at - 4, true);
      case 5:
        return (at += 8), view.getFloat64(at - 8, true);
      case 6:
        return str();
      case 7:
        return BigInt(str());
      case 8:
        return { $: 'y', w: SYMBOLS[u8()] };
      case 9:
        return { $: 'y', r: str() };
      case 10:
      case 11: {
        const id = u32();
        const k = KINDS[u8()];
        return tag === 10 ? { $: 's', id, k } : { $: 's', id, k, n: str() };
      }
      case 12:
        return { $: 'd', id: u32() };
      case 13:
        return { $: 'i', p: str() };
      case 14:
        return { $: 'w', n: str() };
      case 15:
        return { $: 'p', id: u32() };
      case 16: {
        const [n, m, s] = [str(), str(), str()];
        return u8() ? { $: 'e', n, m, s, c: value() } : { $: 'e', n, m, s };
      }
      case 17:
        return (at += 8), { $: 'dt', v: view.getFloat64(at - 8, true) };
      case 18:
        return { $: 'ab', v: bin() };
      case 19: {
        const c = str();
        return { $: 'ta', c, v: bin() };
      }
      case 20:
        return list();
      case 21:
        return desc();
      default:
        throw new Error(`decode: tag ${tag}`);
    }
  };
  const op = u8();
  let message: Any;
  if (op === 64) message = { ok: value() };
  else if (op === 65) message = { err: value() };
  else {
    const name = OP_NAMES[op];
    switch (name) {
      case 'set':
        message = { op: name, t: value(), k: value(), v: value() };
        break;
      case 'keys':
      case 'proto':
        message = { op: name, t: value() };
        break;
      case 'define':
        message = { op: name, t: value(), k: value() };
        u8();
        message.d = desc();
        break;
      case 'apply':
        message = { op: name, t: value(), self: value(), args: list() };
        break;
      case 'construct':
        message = { op: name, t: value(), args: list() };
        break;
      case 'settle': {
        const id = u32();
        message = u8() ? { op: name, id, err: value() } : { op: name, id, ok: value() };
        break;
      }
      case 'release':
        message = { op: name, ids: Array.from({ length: u32() }, () => [u32(), u32()]) };
        break;
      default:
        message = { op: name, t: value(), k: value() };
    }
  }
  if (at !== bytes.length) throw new Error(`decode: ${bytes.length - at} bytes left`);
  return message;
}

/** The tests' text envelope: a message carrying text is APPLY to the receiver's #0 with it. */
export const textMessage = (text: string): Uint8Array =>
  encode({ op: 'apply', t: { $: 'd', id: 0 }, self: undefined, args: [text] });
export const textReply = (text: string): Uint8Array => encode({ ok: text });
export const textOfMessage = (bytes: Uint8Array): string => decode(bytes).args[0];
export function textOfReply(bytes: Uint8Array): string {
  const reply = decode(bytes);
  if (!('ok' in reply)) throw new Error(`the guest answered with ERR ${JSON.stringify(reply.err)}`);
  return reply.ok;
}
/** Guest source: `rawSend` as given, `send(text)` in the envelope, and the receiver `f(text)` wrapped. */
export const guestTextPump = (receiver: string): string =>
  `(rawSend, codec) => {
    globalThis.rawSend = rawSend;
    globalThis.codec = codec;
    globalThis.send = (text) => { const r = rawSend({ op: 'apply', t: { $: 'd', id: 0 }, self: undefined, args: [text] }); if (!('ok' in r)) throw new Error(JSON.stringify(r.err)); return r.ok; };
    const f = ${receiver};
    return (request) => ({ ok: f(request.args[0]) });
  }`;
