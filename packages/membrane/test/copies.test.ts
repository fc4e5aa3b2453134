// Data by copy: copy() and copying() carry plain data in one message each way, through the
// guest's decoder and encoder in C (c/xsb_wire.c) as well as the host's.
import { copy, decodeReply, type MembraneWire, NotSerializableError, OPS, TAGS } from '@xsb/membrane';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

describe('copies', () => {
  it('copy() sends a record as a new record of the guest: changing it changes nothing on the host', async () => {
    const { run } = await guest();
    const record = { id: 'a1', items: [{ price: 2 }, { price: 3.5 }] };
    const rewrite = run(
      '(r) => { r.id = "pwned"; r.items.push(1); return [Object.getPrototypeOf(r) === Object.prototype, Array.isArray(r.items), r.items.length] }',
    );
    expect([...rewrite(copy(record))]).toEqual([true, true, 3]);
    expect(record).toEqual({ id: 'a1', items: [{ price: 2 }, { price: 3.5 }] });
  });

  it('copying() returns plain host data in one crossing each way, whatever its size', async () => {
    const { run, membrane, machine } = await guest();
    const transform = run(
      '(r) => ({ id: r.id, total: r.items.reduce((a, b) => a + b.price, 0), when: new Date(r.when), bytes: new Uint8Array([r.items.length]) })',
    );
    const copying = membrane.copying(transform);
    let frames = 0;
    const onFrame = machine.onFrame!;
    machine.onFrame = (length) => {
      frames++;
      return onFrame(length);
    };
    const result = copying({ id: 'a1', items: Array.from({ length: 500 }, (_, i) => ({ price: i })), when: 0 });
    expect(frames).toBe(0); // the host's request and the guest's reply, and nothing the guest asked
    expect(result).toEqual({ id: 'a1', total: 124_750, when: new Date(0), bytes: new Uint8Array([500]) });
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it('round-trips any plain data through the guest', async () => {
    const { run, membrane } = await guest();
    const echo = membrane.copying(run('(x) => x'));
    const data = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(undefined, null, true, false, -0, Number.NaN, 2 ** 31),
        fc.double(),
        fc.string(),
        fc.bigInt(),
        fc.date({ noInvalidDate: true }),
        fc.uint8Array({ maxLength: 8 }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(data, (value) => {
        expect(echo(value)).toEqual(value);
      }),
      { numRuns: 300 },
    );
    // a key of any name is data, "__proto__" too
    const odd = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 2}');
    const back = echo(odd) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('settles a promise with a copy', async () => {
    const { run, membrane } = await guest();
    await expect(membrane.copying(run('async (n) => ({ n })'))(5)).resolves.toEqual({ n: 5 });
  });

  it('refuses what is not plain data, naming where it is, both ways', async () => {
    const { run, membrane } = await guest();
    const echo = membrane.copying(run('(x) => x'));
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const refused: [unknown, RegExp][] = [
      [{ f() {} }, /a function at args\[0\]\.f/],
      [[1, new Map()], /an instance of a class at args\[0\]\[1\]/],
      [{ deep: cycle }, /a cycle at args\[0\]\.deep\.self/],
      [{ guest: run('({})') }, /an object of the guest's \(a proxy\) at args\[0\]\.guest/],
    ];
    for (const [value, where] of refused) {
      expect(() => echo(value)).toThrow(NotSerializableError);
      expect(() => echo(value)).toThrow(where);
    }
    expect(() => membrane.copying(run('() => ({ f() {} })'))()).toThrow(/a function at the result\.f/);
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(() => echo(deep)).toThrow(/nested deeper than 200/);
    // the membrane goes on
    expect(echo({ ok: true })).toEqual({ ok: true });
  });

  it("the guest's end refuses malformed copies with a protocol error, and goes on", async () => {
    let direct: MembraneWire | undefined;
    const { run } = await guest({
      wire: (wire) => {
        direct = wire;
        return wire;
      },
    });
    const text = (s: string) => [s.length, 0, 0, 0, ...Array.from(s, (c) => c.charCodeAt(0))];
    // set globalThis.x to the copy given: bytes built by hand, since the host's encoder refuses them
    const setX = (...copy: number[]) =>
      decodeReply(
        direct!.toGuest(new Uint8Array([OPS.set, TAGS.WELL_KNOWN, ...text('globalThis'), TAGS.STRING, ...text('x'), ...copy])),
      );
    const refused: [number[], RegExp][] = [
      [[TAGS.COPY, 2, 0, 0, 0, 0], /a copy's kind is 2/],
      [[TAGS.COPY, 0, 1, 0, 0, 0, TAGS.NULL], /not pairs of key and value/],
      [[TAGS.COPY, 0, 2, 0, 0, 0, TAGS.NULL, TAGS.NULL], /a key that is not a string/],
      [[TAGS.COPY, 1, 9, 0, 0, 0, TAGS.NULL], /runs past the end/],
    ];
    for (const [copy, problem] of refused) {
      const reply = setX(...copy) as { err?: { n: string; m: string } };
      expect(reply.err?.n).toBe('ProtocolError');
      expect(reply.err?.m).toMatch(problem);
    }
    expect(setX(TAGS.COPY, 1, 1, 0, 0, 0, TAGS.TRUE)).toEqual({ ok: true });
    expect(run('JSON.stringify(x)')).toBe('[true]');
  });
});
