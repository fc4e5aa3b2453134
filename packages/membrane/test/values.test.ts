import { NotSerializableError } from '@xsb/membrane';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

// Values that cross by value compare equal after a round trip through the guest; objects
// and arrays cross as proxies, which compare equal by their contents, including cycles.
const leaf = fc.oneof(
  fc.constantFrom(undefined, null, true, false, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(Symbol.iterator, Symbol.asyncIterator, Symbol.for('registered'), Symbol.for('')),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 40 }),
);
// Every property of a proxy costs round trips: most values are shallow, a few are deep.
const treeOf = (maxDepth: number) =>
  fc.letrec((tie) => ({
    tree: fc.oneof({ maxDepth, depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('tree'), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 6 }), tie('tree'), { maxKeys: 3 }),
  })).tree;
const shallow = treeOf(1);
const deep = treeOf(4);

/** A structural copy the test can compare with toEqual, cycles marked. */
function snapshot(value: unknown, seen = new Map<object, string>(), path = '$'): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value;
  if (seen.has(value)) return `<cycle ${seen.get(value)}>`;
  seen.set(value, path);
  if (Array.isArray(value)) return value.map((v, i) => snapshot(v, seen, `${path}[${i}]`));
  return Object.fromEntries(
    Object.keys(value).map((k) => [k, snapshot((value as Record<string, unknown>)[k], seen, `${path}.${k}`)]),
  );
}

describe('values', () => {
  it('round-trip through the guest: 10,000 random values (100 runs of 100), deep and cyclic', async () => {
    const { run } = await guest();
    const identity = run('(x) => x');
    const rebuild = run(`(x) => {
      // a guest-made deep copy of what it was handed, so that what comes back is the guest's own
      const seen = new Map();
      const copy = (v) => {
        if (typeof v !== 'object' || v === null || v instanceof Date || ArrayBuffer.isView(v)) return v;
        if (seen.has(v)) return seen.get(v);
        const out = Array.isArray(v) ? [] : {};
        seen.set(v, out);
        for (const k of Object.keys(v)) out[k] = copy(v[k]);
        return out;
      };
      return copy(x);
    }`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(shallow, fc.boolean()), { minLength: 95, maxLength: 95 }),
        fc.array(fc.tuple(deep, fc.boolean()), { minLength: 5, maxLength: 5 }),
        (flat, nested) => {
          const values = [...flat, ...nested];
          for (const [value, cyclic] of values) {
            if (cyclic && typeof value === 'object' && value !== null && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
              (value as Record<string, unknown>).self = value;
            }
            const back = identity(value);
            if (typeof value !== 'object' || value === null) expect(Object.is(back, value) || back === value).toBe(true);
          }
          // the guest copies the whole batch at once, and hands its own structure back
          const batch = values.map(([value]) => value);
          expect(snapshot(rebuild(batch))).toEqual(snapshot(batch));
        },
      ),
      {
        numRuns: Number(
          (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.XSB_VALUE_RUNS ?? 100,
        ),
        endOnFailure: true,
      },
    );
  }, 600_000);

  it('keeps identity: the same object crosses as the same proxy, and comes back as itself', async () => {
    const { run } = await guest();
    const host = { name: 'host object' };
    const same = run('(a, b) => a === b');
    expect(same(host, host)).toBe(true);
    const echo = run('(x) => x');
    expect(echo(host)).toBe(host);
    const guestObject = run('({})');
    expect(echo(guestObject)).toBe(guestObject);
  });

  it('carries an error with a chain of 1,000 causes both ways, the chain cut at 64 causes', async () => {
    const { run } = await guest();
    const chain = (n: number): Error => {
      let error = new Error('leaf');
      for (let i = 0; i < n; i++) error = new Error(`e${i}`, { cause: error });
      return error;
    };
    const length = (error: unknown): number => {
      let n = 0;
      for (let e = error as { cause?: unknown } | undefined; e; e = e.cause as typeof e) n++;
      return n;
    };
    expect(run('(e) => { let n = 0; while (e) { n++; e = e.cause } return n }')(chain(1000))).toBe(65);
    let thrown: unknown;
    try {
      run('let e = new Error("leaf"); for (let i = 0; i < 1000; i++) e = new Error("e" + i, { cause: e }); throw e');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toBe('e999');
    expect(length(thrown)).toBe(65);
    const caught = run('(f) => { try { f() } catch (e) { let n = 0; while (e) { n++; e = e.cause } return n } }');
    expect(
      caught(() => {
        throw chain(1000);
      }),
    ).toBe(65);
  });

  it('refuses unique symbols with a typed error that names where', async () => {
    const { run } = await guest();
    const take = run('(a, b) => typeof b');
    expect(() => take(1, Symbol('mine'))).toThrow(NotSerializableError);
    expect(() => take(1, Symbol('mine'))).toThrow(/args\[1\]/);
    expect(() => run('Symbol("guest")')).toThrow(/unique symbol/);
  });
});
