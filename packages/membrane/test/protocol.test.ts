// The host's codec of the binary wire (protocol.ts): every op and tag round-trips, every value
// has one encoding, and every way bytes can be wrong is a ProtocolError.
import {
  decodeMessage,
  decodeReply,
  decodeRequest,
  describeMessage,
  type Encoded,
  encodeMessage,
  type Message,
  OPS,
  ProtocolError,
  scanReferences,
  TAGS,
} from '@xsb/membrane';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const ok = (value: Encoded): Uint8Array => encodeMessage({ ok: value });

/** One message of every op, and replies holding every tag. */
const MESSAGES: readonly Message[] = [
  { op: 'get', t: { $: 'd', id: 7 }, k: 'name' },
  { op: 'set', t: { $: 'w', n: 'globalThis' }, k: { $: 'y', r: 'app.key' }, v: 12n },
  { op: 'has', t: { $: 'd', id: 1 }, k: { $: 'y', w: 'iterator' } },
  { op: 'delete', t: { $: 'd', id: 1 }, k: '' },
  { op: 'keys', t: { $: 'd', id: 2 } },
  { op: 'describe', t: { $: 'd', id: 2 }, k: 'x' },
  { op: 'define', t: { $: 'd', id: 2 }, k: 'x', d: { v: 1, w: true, e: false, c: true } },
  { op: 'define', t: { $: 'd', id: 2 }, k: 'y', d: { g: { $: 's', id: 9, k: 'f' }, s: undefined } },
  { op: 'proto', t: { $: 'i', p: 'Array.prototype' } },
  { op: 'apply', t: { $: 'd', id: 3 }, self: undefined, args: [1, -0, Number.NaN, 2 ** 31, -(2 ** 31), 'é\u0000\ud800', null] },
  { op: 'construct', t: { $: 'd', id: 3 }, args: [] },
  { op: 'settle', id: 4, ok: { $: 'p', id: 5 } },
  { op: 'settle', id: 4, err: { $: 'e', n: 'TypeError', m: 'no', s: 'at x', c: { $: 'e', n: 'Error', m: 'cause', s: '' } } },
  {
    op: 'release',
    ids: [
      [1, 2],
      [2 ** 32 - 1, 1],
    ],
  },
  { ok: [{ $: 'y', w: 'unscopables' }, 'a', { $: 'y', r: '' }] },
  { ok: { v: { $: 's', id: 1, k: 'a', n: 'rows' }, w: false } },
  { ok: { $: 'dt', v: 1.5e12 } },
  { ok: { $: 'ab', v: new Uint8Array([0, 1, 2, 0xc0, 0xff]).buffer } },
  { ok: { $: 'ab', v: new ArrayBuffer(0) } },
  { ok: { $: 'ta', c: 'Float64Array', v: new Float64Array([1, Number.NaN]).buffer } },
  { ok: { $: 'c', k: 0, v: ['a', 1, '__proto__', { $: 'c', k: 1, v: [null, { $: 'dt', v: 0 }, { $: 'd', id: 3 }] }] } },
  { ok: { $: 'c', k: 1, v: [] } },
  { ok: true },
  { ok: false },
  { err: { $: 'e', n: 'RangeError', m: 'x'.repeat(70_000), s: '' } },
];

describe('the binary wire', () => {
  it('round-trips a message of every op and a value of every tag', () => {
    const seen = new Set<number>();
    for (const message of MESSAGES) {
      const bytes = encodeMessage(message);
      seen.add(bytes[0]!);
      const back = decodeMessage(bytes);
      expect(back).toEqual(message);
      // one encoding per value: encoding the decoded message gives the same bytes
      expect(encodeMessage(back)).toEqual(bytes);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(Object.values(OPS).sort((a, b) => a - b));
  });

  it('writes numbers as INT32 when they are one and not -0, every other as FLOAT64 with one NaN', () => {
    expect(hex(ok(1))).toBe('40 04 01 00 00 00');
    expect(hex(ok(-(2 ** 31)))).toBe('40 04 00 00 00 80');
    expect(ok(2 ** 31)[1]).toBe(TAGS.FLOAT64);
    expect(hex(ok(-0))).toBe('40 05 00 00 00 00 00 00 00 80');
    expect(hex(ok(Number.NaN))).toBe('40 05 00 00 00 00 00 00 f8 7f');
    // a NaN with another payload is the same NaN on the wire
    const other = new Float64Array(new Uint32Array([1, 0x7ff00000]).buffer)[0]!;
    expect(hex(ok(other))).toBe('40 05 00 00 00 00 00 00 f8 7f');
    expect(Object.is((decodeReply(ok(-0)) as { ok: unknown }).ok, -0)).toBe(true);
  });

  it('writes strings as XS keeps them: CESU-8, NUL as C0 80, each surrogate in three bytes', () => {
    expect(hex(ok('a\u0000'))).toBe('40 06 03 00 00 00 61 c0 80');
    expect(hex(ok('\ud83d\ude00'))).toBe('40 06 06 00 00 00 ed a0 bd ed b8 80');
    expect(hex(ok('\udc00'))).toBe('40 06 03 00 00 00 ed b0 80');
    for (const text of ['', 'a\u0000b', '\ud800', '😀', 'é'.repeat(100), 'x'.repeat(63), 'x'.repeat(64)]) {
      expect((decodeReply(ok(text)) as { ok: unknown }).ok).toBe(text);
    }
  });

  it('refuses every truncation, trailing bytes and lengths past the end', () => {
    for (const message of MESSAGES.slice(0, -1)) {
      const bytes = encodeMessage(message);
      for (let cut = 0; cut < bytes.length; cut++) {
        expect(() => decodeMessage(bytes.subarray(0, cut)), `${describeMessage(bytes)} cut at ${cut}`).toThrow(ProtocolError);
      }
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(() => decodeMessage(longer)).toThrow(/follow the end of the message/);
    }
    // a string, list, argument count and release count that claim more bytes than there are
    expect(() => decodeMessage(new Uint8Array([OPS.ok, TAGS.STRING, 0xff, 0xff, 0xff, 0xff]))).toThrow(/runs past the end/);
    expect(() => decodeMessage(new Uint8Array([OPS.ok, TAGS.LIST, 0xff, 0xff, 0xff, 0x7f]))).toThrow(/runs past the end/);
    expect(() => decodeMessage(new Uint8Array([OPS.apply, TAGS.RECEIVER, 1, 0, 0, 0, TAGS.UNDEFINED, 0xff, 0xff, 0, 0]))).toThrow(
      /run past the end/,
    );
    expect(() => decodeMessage(new Uint8Array([OPS.release, 0xff, 0xff, 0xff, 0xff]))).toThrow(/run past the end/);
    // binary data, alike
    expect(() => decodeMessage(new Uint8Array([OPS.ok, TAGS.BUFFER, 3, 0, 0, 0, 1, 2]))).toThrow(
      'message byte 2 of 8: a buffer of 3 bytes runs past the end',
    );
    expect(() => decodeMessage(new Uint8Array([OPS.ok, TAGS.VIEW, 1, 0, 0, 0, 0x61, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      'message byte 7 of 11: a buffer of 4294967295 bytes runs past the end',
    );
  });

  it('carries binary data as its bytes, decoded into a buffer of its own', () => {
    const data = new Uint8Array([1, 2, 3, 250]);
    expect(hex(ok({ $: 'ab', v: data.buffer }))).toBe('40 12 04 00 00 00 01 02 03 fa');
    expect(hex(ok({ $: 'ta', c: 'DataView', v: data.buffer }))).toBe(
      '40 13 08 00 00 00 44 61 74 61 56 69 65 77 04 00 00 00 01 02 03 fa',
    );
    // decoded from the middle of a larger buffer: the copy holds those bytes and no others
    const framed = new Uint8Array(20);
    framed.set(ok({ $: 'ab', v: data.buffer }), 5);
    const message = framed.subarray(5, 15);
    const v = (decodeReply(message) as { ok: { v: ArrayBuffer } }).ok.v;
    expect(v).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(v)]).toEqual([1, 2, 3, 250]);
    message.fill(0);
    expect([...new Uint8Array(v)]).toEqual([1, 2, 3, 250]);
    // a megabyte, in one copy each way
    const big = new Uint8Array(1 << 20).map((_, i) => i);
    const back = (decodeReply(ok({ $: 'ta', c: 'Uint8Array', v: big.buffer })) as { ok: { v: ArrayBuffer } }).ok.v;
    const got = new Uint8Array(back);
    expect(got.length === big.length && got.every((b, i) => b === big[i])).toBe(true);
    // described by size, not byte by byte
    expect(describeMessage(ok({ $: 'ta', c: 'Uint8Array', v: data.buffer }))).toBe(
      '{"ok":{"$":"ta","c":"Uint8Array","v":"<4 bytes>"}}',
    );
  });

  it('refuses unknown ops, tags, kinds, symbols, bits and outcomes, naming the byte', () => {
    const bad: [string, number[], RegExp][] = [
      ['no bytes', [], /message ends/],
      ['op 0', [0], /unknown op 0/],
      ['a reserved op', [13], /unknown op 13/],
      ['a reserved tag', [OPS.ok, 23], /unknown value tag 23/],
      ['a copy of kind 2', [OPS.ok, TAGS.COPY, 2, 0, 0, 0, 0], /a copy's kind is 2/],
      ['tag 255', [OPS.ok, 255], /unknown value tag 255/],
      ['an object kind of 3', [OPS.ok, TAGS.SENDER, 1, 0, 0, 0, 3], /object kind 3/],
      ['a symbol index past the list', [OPS.ok, TAGS.SYMBOL, 13], /no well-known symbol has index 13/],
      ['descriptor bits past the six', [OPS.ok, TAGS.DESCRIPTOR, 64, 0], /descriptor bits/],
      ['a flag that is not present', [OPS.ok, TAGS.DESCRIPTOR, 0, 8], /descriptor bits/],
      ['an error cause flag of 2', [OPS.err, TAGS.ERROR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], /cause flag is 2/],
      ['a settlement outcome of 2', [OPS.settle, 1, 0, 0, 0, 2, TAGS.NULL], /outcome is 2/],
      ['a bigint that is not digits', [OPS.ok, TAGS.BIGINT, 2, 0, 0, 0, 0x31, 0x78], /decimal digits/],
      ['a list where a value goes', [OPS.get, TAGS.LIST, 0, 0, 0, 0, TAGS.NULL], /list where a value was expected/],
      ['a descriptor where a value goes', [OPS.get, TAGS.DESCRIPTOR, 0, 0, TAGS.NULL], /descriptor where a value/],
      ['a define without a descriptor', [OPS.define, TAGS.NULL, TAGS.NULL, TAGS.NULL], /a descriptor was expected/],
    ];
    for (const [what, bytes, problem] of bad) {
      expect(() => decodeMessage(new Uint8Array(bytes)), what).toThrow(ProtocolError);
      expect(() => decodeMessage(new Uint8Array(bytes)), what).toThrow(problem);
    }
    expect(() => decodeMessage(new Uint8Array([OPS.ok, 23]))).toThrow(/^message byte 1 of 2: /);
  });

  it('tells requests from replies, and describes refused bytes without throwing', () => {
    expect(() => decodeRequest(ok(1))).toThrow(/a reply came where a request was expected/);
    expect(() => decodeReply(encodeMessage({ op: 'keys', t: { $: 'd', id: 1 } }))).toThrow(/a request came/);
    expect(describeMessage(encodeMessage({ op: 'get', t: { $: 'd', id: 7 }, k: 'name' }))).toBe(
      '{"op":"get","t":{"$":"d","id":7},"k":"name"}',
    );
    expect(describeMessage(new Uint8Array([99]))).toMatch(/^<1 bytes the protocol refuses: .*unknown op 99>$/);
  });

  it('refuses to encode what the format does not hold', () => {
    expect(() => encodeMessage({ op: 'get', t: { $: 'd', id: -1 }, k: 'a' })).toThrow(/an id must be a u32/);
    expect(() => encodeMessage({ ok: { $: 'y', w: 'dispose' } })).toThrow(/well-known symbol/);
    expect(() => encodeMessage({ ok: { $: 'q' } as unknown as Encoded })).toThrow(ProtocolError);
    // binary data must be an ArrayBuffer, not detached: not a string, a view or an array-like
    const detached = new ArrayBuffer(4);
    structuredClone(detached, { transfer: [detached] });
    for (const v of ['AAEC', new Uint8Array(2), { length: 2 }, detached] as unknown as ArrayBuffer[]) {
      expect(() => encodeMessage({ ok: { $: 'ab', v } })).toThrow(/cannot encode a buffer's bytes: it must be an ArrayBuffer/);
      expect(() => encodeMessage({ ok: { $: 'ta', c: 'Uint8Array', v } })).toThrow(ProtocolError);
    }
  });

  it('scans the ids a message names without decoding it, and refuses exactly what decoding refuses', () => {
    const seen: string[] = [];
    const visitor = {
      sender: (id: number, name: string | undefined) => seen.push(`s${id}${name ? `:${name}` : ''}`),
      promise: (id: number) => seen.push(`p${id}`),
      release: (id: number, count: number) => seen.push(`r${id}x${count}`),
      settle: (id: number) => seen.push(`settled ${id}`),
    };
    scanReferences(
      encodeMessage({
        op: 'apply',
        t: { $: 'd', id: 1 },
        self: { $: 's', id: 2, k: 'o', n: 'config' },
        args: [
          { $: 'p', id: 3 },
          { $: 'e', n: 'E', m: '', s: '', c: { $: 's', id: 4, k: 'f' } },
          { $: 'd', id: 5 },
        ],
      }),
      visitor,
    );
    scanReferences(encodeMessage({ ok: { g: { $: 's', id: 6, k: 'f' }, s: { $: 's', id: 7, k: 'f' } } }), visitor);
    scanReferences(encodeMessage({ ok: [{ $: 'y', w: 'iterator' }, 'k'] }), visitor);
    scanReferences(encodeMessage({ op: 'release', ids: [[8, 2]] }), visitor);
    scanReferences(encodeMessage({ op: 'settle', id: 9, err: { $: 's', id: 10, k: 'a' } }), visitor);
    expect(seen).toEqual(['s2:config', 'p3', 's4', 's6', 's7', 'r8x2', 'settled 9', 's10']);
    // every cut and every extra byte of every message: both refuse, or neither does
    const never = { sender() {}, promise() {}, release() {}, settle() {} };
    const outcome = (run: () => unknown) => {
      try {
        run();
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    };
    // (not the 70,000-character error: every cut of it would take seconds, and says nothing more)
    for (const message of MESSAGES.filter((m) => encodeMessage(m).length < 10_000)) {
      const bytes = encodeMessage(message);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const part = bytes.subarray(0, cut);
        expect(
          outcome(() => scanReferences(part, never)),
          `${describeMessage(bytes)} cut at ${cut}`,
        ).toBe(outcome(() => decodeMessage(part)));
      }
    }
    const bad = [[OPS.ok, 22], [OPS.get, TAGS.LIST, 0, 0, 0, 0, TAGS.NULL], [OPS.ok, TAGS.BIGINT, 1, 0, 0, 0, 0x78], [13]];
    for (const bytes of bad.map((b) => new Uint8Array(b))) {
      expect(outcome(() => scanReferences(bytes, never))).toBe(outcome(() => decodeMessage(bytes)));
    }
  });

  it('round-trips any values: 2,000 random messages', () => {
    const id = fc.nat({ max: 2 ** 32 - 1 });
    const leaf: fc.Arbitrary<Encoded> = fc.oneof(
      fc.constantFrom<Encoded>(undefined, null, true, false, Number.NaN, -0, Number.POSITIVE_INFINITY),
      fc.double({ noNaN: true }),
      fc.integer(),
      fc.bigInt(),
      fc.string({ unit: 'binary' }),
      fc.record({ $: fc.constant('d' as const), id }),
      fc.record({ $: fc.constant('s' as const), id, k: fc.constantFrom('o' as const, 'f' as const, 'a' as const) }),
      fc.record({ $: fc.constant('i' as const), p: fc.string() }),
      fc.record({ $: fc.constant('p' as const), id }),
      fc.record({ $: fc.constant('y' as const), r: fc.string({ unit: 'binary' }) }),
      fc.uint8Array({ maxLength: 40 }).map((bytes): Encoded => ({ $: 'ab', v: bytes.slice().buffer })),
      fc
        .tuple(fc.constantFrom('Uint8Array', 'DataView', 'Float64Array'), fc.uint8Array({ maxLength: 40 }))
        .map(([c, bytes]): Encoded => ({ $: 'ta', c, v: bytes.slice().buffer })),
    );
    fc.assert(
      fc.property(leaf, fc.array(leaf, { maxLength: 6 }), (self, args) => {
        const message: Message = { op: 'apply', t: { $: 'd', id: 1 }, self, args };
        const bytes = encodeMessage(message);
        expect(encodeMessage(decodeMessage(bytes))).toEqual(bytes);
        const back = decodeMessage(bytes) as unknown as { self: unknown; args: unknown[] };
        expect(Object.is(back.self, self) || (typeof self === 'object' && self !== null)).toBe(true);
        expect(back.args.length).toBe(args.length);
      }),
      { numRuns: 2000 },
    );
  });
});
