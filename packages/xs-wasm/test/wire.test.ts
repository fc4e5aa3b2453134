// The guest's end of the membrane's wire (c/xsb_wire.c): every tag both ways, malformed bytes,
// and the fast path, which must answer with the bytes the general path would.
import type { Engine, Handle, Machine } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectHost } from './channel.js';
import { engine } from './engine.js';
import { decode, encode } from './wire.js';

let xs: Engine;
beforeAll(async () => {
  xs = await engine();
});

/** A machine whose receiver keeps each request (globalThis.got) and answers `answer(request)`. */
function machine(answer = '(q) => ({ ok: q })', onMessage?: (bytes: Uint8Array) => Uint8Array) {
  const m = xs.createMachine();
  m.evaluate('var got = [];');
  m.connect(
    m.evaluate(
      `(send, codec) => { globalThis.send = send; globalThis.codec = codec; const a = ${answer}; return (q) => (got.push(q), a(q)); }`,
    ) as Handle,
  );
  const host = connectHost(m, onMessage);
  return { m, host };
}

const VALUES: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['false', false],
  ['true', true],
  ['int32', -7],
  ['int32 max', 2147483647],
  ['float64', 1.5],
  ['-0', -0],
  ['NaN', Number.NaN],
  ['2^31', 2147483648],
  ['string', 'héllo \u0000 😀 \ud800'],
  ['bigint', -123456789012345678901234567890n],
  ['symbol', { $: 'y', w: 'iterator' }],
  ['symbol 12', { $: 'y', w: 'unscopables' }],
  ['registered', { $: 'y', r: 'key' }],
  ['sender', { $: 's', id: 4294967295, k: 'f' }],
  ['named', { $: 's', id: 3, k: 'a', n: 'Name' }],
  ['receiver', { $: 'd', id: 5 }],
  ['intrinsic', { $: 'i', p: 'Array.prototype' }],
  ['well-known', { $: 'w', n: 'globalThis' }],
  ['promise', { $: 'p', id: 9 }],
  ['error', { $: 'e', n: 'TypeError', m: 'no', s: 'at x' }],
  ['error with cause', { $: 'e', n: 'Error', m: '', s: '', c: { $: 'e', n: 'E', m: 'm', s: 's', c: 1 } }],
  ['date', { $: 'dt', v: 1700000000000.5 }],
  ['buffer', { $: 'ab', v: new Uint8Array([0, 1, 2, 255]).buffer }],
  ['empty buffer', { $: 'ab', v: new ArrayBuffer(0) }],
  ['view', { $: 'ta', c: 'Float64Array', v: new Float64Array([1.5, -0]).buffer }],
  ['list', ['a', 1, [null, { $: 'd', id: 1 }]]],
  ['empty list', []],
  ['descriptor', { v: 1, g: undefined, s: { $: 's', id: 2, k: 'f' }, w: true, e: false, c: true }],
  ['empty descriptor', {}],
];

describe('the wire, guest side', () => {
  it.each(VALUES)('carries %s both ways, byte-exact', (_, value) => {
    let sent: Uint8Array | undefined;
    const { m, host } = machine(undefined, (bytes) => {
      sent = bytes;
      return encode({ ok: value });
    });
    const bytes = encode({ op: 'apply', t: { $: 'd', id: 1 }, self: value, args: [value, 2] });
    // host → guest: the structure the receiver got, encoded back by the guest in its reply
    const reply = host.request(bytes);
    expect(reply).toEqual(encode({ ok: decode(bytes) }));
    // guest → host: the guest sends a request with the value; the host's reply comes back decoded
    m.evaluate('var back = send({ op: "set", t: got[0].self, k: 1, v: got[0].args[0] });');
    expect(sent).toEqual(encode({ op: 'set', t: value, k: 1, v: value }));
    m.evaluate('send({ op: "get", t: back.ok, k: 0 })');
    expect(sent).toEqual(encode({ op: 'get', t: value, k: 0 }));
    m.dispose();
  });

  it('builds every request as decodeMessage does, with own data properties only', () => {
    const { m, host } = machine('(q) => ({ ok: Object.keys(q).join() })');
    m.evaluate('Object.defineProperty(Object.prototype, "op", { set() { throw new Error("setter ran") } })');
    const requests = [
      { op: 'get', t: { $: 'd', id: 1 }, k: 'x' },
      { op: 'set', t: { $: 'd', id: 1 }, k: 'x', v: 2 },
      { op: 'has', t: { $: 'd', id: 1 }, k: 'x' },
      { op: 'delete', t: { $: 'd', id: 1 }, k: { $: 'y', w: 'iterator' } },
      { op: 'keys', t: { $: 'd', id: 1 } },
      { op: 'describe', t: { $: 'd', id: 1 }, k: 'x' },
      { op: 'define', t: { $: 'd', id: 1 }, k: 'x', d: { v: 1, w: true } },
      { op: 'proto', t: { $: 'd', id: 1 } },
      { op: 'apply', t: { $: 'd', id: 1 }, self: undefined, args: [] },
      { op: 'construct', t: { $: 'd', id: 1 }, args: [1, 'x'] },
      { op: 'settle', id: 3, ok: 1 },
      { op: 'settle', id: 3, err: 'no' },
      {
        op: 'release',
        ids: [
          [1, 2],
          [4294967295, 1],
        ],
      },
    ];
    for (const request of requests) {
      expect(decode(host.request(encode(request))).ok).toBe(Object.keys(request).join());
      expect(JSON.stringify(m.evaluate('JSON.stringify(got.at(-1), (k, v) => v === undefined ? "<u>" : v)'))).toBe(
        JSON.stringify(JSON.stringify(request, (_k, v) => (v === undefined ? '<u>' : v))),
      );
      // and the guest encodes the same bytes back
      let sent: Uint8Array | undefined;
      m.onMessage = connectHost(m, (bytes) => ((sent = bytes), encode({ ok: 0 }))).receive;
      m.evaluate('send(got.at(-1))');
      expect(sent).toEqual(encode(request));
      connectHost(m);
    }
    m.dispose();
  });

  it('decodes a BIGINT without the guest global BigInt', () => {
    const { m, host } = machine('(q) => ({ ok: typeof q.args[0] + ":" + q.args[0] })');
    m.evaluate('globalThis.BigInt = () => { throw new Error("replaced") }');
    expect(decode(host.request(encode({ op: 'apply', t: { $: 'd', id: 1 }, self: undefined, args: [12n] }))).ok).toBe(
      'bigint:12',
    );
    m.dispose();
  });

  it('throws a TypeError for a request it cannot encode', () => {
    const { m } = machine();
    for (const bad of [
      '1',
      '{}',
      '{ op: "nope" }',
      '{ op: "get", t: Symbol() }',
      '{ op: "get", t: { $: "zz" } }',
      '{ op: "get", t: { $: "d", id: -1 } }',
      '{ op: "get", t: { $: "y", w: "nope" } }',
      '{ op: "apply", t: 1, self: 1, args: 5 }',
      '{ ok: { $: "ab", v: "AAEC" } }',
      '{ ok: { $: "ab", v: new Uint8Array(2) } }',
      '{ ok: { $: "ab", v: new Proxy(new ArrayBuffer(2), {}) } }',
      '{ ok: { $: "ab", v: (() => { const b = new ArrayBuffer(2); b.transfer(); return b; })() } }',
      '{ ok: { $: "ta", c: "Uint8Array", v: { byteLength: 2 } } }',
    ]) {
      expect(m.evaluate(`try { send(${bad}); "sent" } catch (e) { e.name }`), bad).toBe('TypeError');
    }
    m.dispose();
  });

  it('carries binary data as its bytes: an ArrayBuffer of its own each way, 256 KiB whole', () => {
    const bytes = new Uint8Array(1 << 18);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
    let sent: Uint8Array | undefined;
    const { m, host } = machine(
      '(q) => ({ ok: [q.args[0].v instanceof ArrayBuffer, q.args[0].v.byteLength, new Uint8Array(q.args[0].v)[1001]] })',
      (b) => ((sent = b), encode({ ok: 0 })),
    );
    const request = encode({
      op: 'apply',
      t: { $: 'd', id: 1 },
      self: undefined,
      args: [{ $: 'ta', c: 'Uint8Array', v: bytes.buffer }],
    });
    expect(decode(host.request(request)).ok).toEqual([true, 1 << 18, (1001 * 7) & 255]);
    m.evaluate('send({ op: "set", t: { $: "d", id: 1 }, k: 1, v: got[0].args[0] })');
    const expected = encode({ op: 'set', t: { $: 'd', id: 1 }, k: 1, v: { $: 'ta', c: 'Uint8Array', v: bytes.buffer } });
    // compared by hand (no Buffer in a browser): toEqual walks typed arrays slowly
    expect(sent?.length).toBe(expected.length);
    let differs = -1;
    for (let i = 0; sent && i < sent.length && differs < 0; i++) if (sent[i] !== expected[i]) differs = i;
    expect(differs).toBe(-1);
    m.dispose();
  });
});

const err = (bytes: Uint8Array) => decode(bytes).err;

describe('malformed bytes', () => {
  const valid = VALUES.map(([, v]) => encode({ op: 'apply', t: { $: 'd', id: 1 }, self: v, args: [v] }));
  it('answers every truncation of every tag with a ProtocolError, never calling the receiver', () => {
    const { m, host } = machine();
    for (const bytes of valid) {
      for (let n = 0; n < bytes.length; n++) {
        const e = err(host.request(bytes.subarray(0, n)));
        expect(e.n).toBe('ProtocolError');
        expect(e.s).toBe('');
        expect(e.m).toMatch(new RegExp(`^message byte \\d+ of ${n}: `));
      }
      // trailing bytes
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(err(host.request(longer)).m).toBe(
        `message byte ${bytes.length} of ${bytes.length + 1}: 1 bytes follow the end of the message`,
      );
    }
    expect(m.evaluate('got.length')).toBe(0);
    m.dispose();
  });

  it('names what is wrong as protocol.ts does', () => {
    const { m, host } = machine();
    const cases: [number[], string][] = [
      [[13], 'message byte 0 of 1: unknown op 13'],
      [[1, 23], 'message byte 1 of 2: unknown value tag 23'],
      [[1, 22, 2, 0, 0, 0, 0], "message byte 2 of 7: a copy's kind is 2, not 0 (a record) or 1 (an array)"],
      [[1, 6, 9, 0, 0, 0, 0x61], 'message byte 2 of 7: a string of 9 bytes runs past the end'],
      [[1, 6, 2, 0, 0, 0, 0x61, 0xff, 0], "message byte 7 of 9: a string's byte 0xff is not CESU-8"],
      [[1, 18, 9, 0, 0, 0, 0x61], 'message byte 2 of 7: a buffer of 9 bytes runs past the end'],
      [[1, 19, 1, 0, 0, 0, 0x61, 0xff, 0xff, 0xff, 0xff], 'message byte 7 of 11: a buffer of 4294967295 bytes runs past the end'],
      [[1, 19, 1, 0, 0, 0, 0xff, 0, 0, 0, 0], "message byte 6 of 11: a string's byte 0xff is not CESU-8"],
      [[1, 8, 13, 0], 'message byte 2 of 4: no well-known symbol has index 13'],
      [[1, 10, 1, 0, 0, 0, 3, 0], 'message byte 6 of 8: object kind 3 is none of 0 (object), 1 (function), 2 (array)'],
      [[1, 20, 200, 0, 0, 0, 0], 'message byte 2 of 7: a list of 200 values runs past the end'],
      [[1, 21, 64, 0, 0], 'message byte 1 of 5: descriptor bits 64/0 are not ones protocol.ts defines'],
      [[1, 21, 0, 8, 0], 'message byte 1 of 5: descriptor bits 0/8 are not ones protocol.ts defines'],
      [[1, 7, 2, 0, 0, 0, 0x31, 0x61, 0], 'message byte 1 of 9: a bigint must be decimal digits, not "1a"'],
      [[1, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0], "message byte 14 of 16: an error's cause flag is 2, not 0 or 1"],
      [[7, 0, 0, 0], 'message byte 3 of 4: a descriptor was expected, not tag 0'],
      [[9, 0, 0, 5, 0, 0, 0], 'message byte 3 of 7: 5 arguments run past the end'],
      [[11, 0, 0, 0, 0, 2, 0], "message byte 5 of 7: a settlement's outcome is 2, not 0 (fulfilled) or 1 (rejected)"],
      [[12, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0], 'message byte 1 of 13: 2 releases run past the end'],
      [[64, 0], 'a reply came where a request was expected'],
    ];
    for (const [bytes, why] of cases) expect(err(host.request(new Uint8Array(bytes))).m).toBe(why);
    expect(m.evaluate('got.length')).toBe(0);
    m.dispose();
  });

  it('throws a ProtocolError in the guest for a malformed reply to send', () => {
    const { m } = machine(undefined, () => new Uint8Array([64, 99]));
    expect(m.evaluate('try { send({ op: "keys", t: 1 }) } catch (e) { e.name + ": " + e.message }')).toBe(
      "ProtocolError: the host's reply: message byte 1 of 2: unknown value tag 99",
    );
    m.dispose();
  });
});

describe('the fast path', () => {
  const SETUP = `
    var table = new Map();
    var nextId = 100;
    var encodeResult = (v) => { const id = nextId++; table.set(id, { value: v }); return { $: 's', id, k: typeof v === 'function' ? 'f' : 'o' }; };
    var encodeThrown = (e) => e instanceof Error ? { $: 'e', n: e.name, m: e.message, s: '' } : e;
    var target = { a: 1, s: 'str', b: 2n, o: { x: 1 }, 3: 'three', get boom() { throw new Error('boom') }, get sym() { return Symbol.iterator } };
    var fn = function (...args) { if (args[0] === 'throw') throw new TypeError('thrown'); if (args[0] === 'obj') return {}; return [this === target, ...args].join(); };
    table.set(1, { value: target }); table.set(2, { value: fn }); table.set(3, undefined);
    var perform = (q) => {
      try {
        const t = table.get(q.t.id).value;
        const arg = (v) => v !== null && typeof v === 'object' ? table.get(v.id).value : v;
        const r = q.op === 'get' ? t[q.k] : Reflect.apply(t, arg(q.self), q.args.map(arg));
        return { ok: r !== null && (typeof r === 'object' || typeof r === 'function' || typeof r === 'symbol') ? encodeResult(r) : r };
      } catch (e) { return { err: encodeThrown(e) }; }
    };
    codec.setFastPath(table, Map.prototype.get, encodeResult, encodeThrown);
  `;
  const requests = [
    { op: 'get', t: { $: 'd', id: 1 }, k: 'a' },
    { op: 'get', t: { $: 'd', id: 1 }, k: 's' },
    { op: 'get', t: { $: 'd', id: 1 }, k: 'b' },
    { op: 'get', t: { $: 'd', id: 1 }, k: 3 },
    { op: 'get', t: { $: 'd', id: 1 }, k: 'o' },
    { op: 'get', t: { $: 'd', id: 1 }, k: 'boom' },
    { op: 'get', t: { $: 'd', id: 1 }, k: 'missing' },
    { op: 'get', t: { $: 'd', id: 3 }, k: 'a' },
    { op: 'get', t: { $: 'd', id: 2 }, k: 'length' },
    {
      op: 'apply',
      t: { $: 'd', id: 2 },
      self: { $: 'd', id: 1 },
      args: [1, -0, 1.5, 'x', null, true, false, undefined, { $: 'd', id: 2 }],
    },
    { op: 'apply', t: { $: 'd', id: 2 }, self: undefined, args: ['throw'] },
    { op: 'apply', t: { $: 'd', id: 2 }, self: undefined, args: ['obj'] },
    { op: 'apply', t: { $: 'd', id: 1 }, self: undefined, args: [] },
  ];

  function run(fast: boolean) {
    xs.setFastPath(fast);
    const { m, host } = machine('(q) => perform(q)');
    m.evaluate(SETUP);
    const replies = requests.map((q) => host.request(encode(q)));
    const received = m.evaluate('got.length');
    m.dispose();
    return { replies, received };
  }

  it('answers GET and APPLY with the bytes and ids the general path gives', () => {
    const fast = run(true);
    const general = run(false);
    xs.setFastPath(true);
    for (let i = 0; i < requests.length; i++) expect([i, fast.replies[i]]).toEqual([i, general.replies[i]]);
    expect(general.received).toBe(requests.length);
    // the fast path answers all but the target that is not exported (3) and the non-callable target
    expect(fast.received).toBe(2);
  });

  it('stops with setFastPath(undefined)', () => {
    const { m, host } = machine('(q) => perform(q)');
    m.evaluate(SETUP);
    m.evaluate('codec.setFastPath(undefined)');
    host.request(encode(requests[0]));
    expect(m.evaluate('got.length')).toBe(1);
    m.dispose();
  });
});

export type { Machine };
