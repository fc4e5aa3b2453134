import { GuestError } from '@xsb/xs-wasm';
import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

describe('the membrane', () => {
  it('evaluates in the guest and returns primitives and proxies', async () => {
    const { run } = await guest();
    expect(run('1 + 2')).toBe(3);
    expect(run('"s"')).toBe('s');
    expect(run('undefined')).toBe(undefined);
    expect(run('-0')).toBe(-0);
    expect(run('NaN')).toBeNaN();
    expect(run('10n ** 30n')).toBe(10n ** 30n);
    expect(run('Symbol.iterator')).toBe(Symbol.iterator);
    expect(run('Symbol.for("x")')).toBe(Symbol.for('x'));
    const point = run('({ x: 1, y: { z: [1, 2, 3] }, sum(a, b) { return a + b + this.x } })');
    expect(point.x).toBe(1);
    expect(point.y.z[2]).toBe(3);
    expect(point.sum(2, 3)).toBe(6);
    expect(Object.keys(point)).toEqual(['x', 'y', 'sum']);
    expect(JSON.stringify(point)).toBe('{"x":1,"y":{"z":[1,2,3]}}');
    expect(Array.isArray(point.y.z)).toBe(true);
    expect([...point.y.z]).toEqual([1, 2, 3]);
    expect(point.y.z.map((n: number) => n * 2)).toEqual([2, 4, 6]);
    point.x = 10;
    expect(run('this.lastPoint = undefined; 0')).toBe(0);
  });

  it('calls both ways, re-entrantly', async () => {
    const { run, membrane } = await guest();
    membrane.defineGlobals({ host: { twice: (f: (n: number) => number, n: number) => f(f(n)) } });
    expect(run('host.twice((n) => n * 3, 2)')).toBe(18);
    const Point = run('class Point { constructor(x) { this.x = x } get double() { return this.x * 2 } }; Point');
    const p = new Point(21);
    expect(p.double).toBe(42);
    expect(p instanceof Point).toBe(true);
  });

  it('throws what the guest throws as a GuestError: name, message, stack and cause copied, the value kept', async () => {
    const { run, membrane } = await guest();
    let caught: unknown;
    try {
      run('function thrower() { throw new TypeError("bad", { cause: 7 }) } thrower()');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GuestError);
    const error = caught as GuestError;
    expect([error.guestName, error.message, error.cause]).toEqual(['TypeError', 'bad', 7]);
    expect(error.value).toBeInstanceOf(TypeError);
    expect((error.value as Error).message).toBe('bad');
    expect(error.guestStack).toMatch(/thrower/);
    expect(error.stack).toMatch(/thrower/);
    expect(error.stack).toMatch(/across the membrane/);
    membrane.defineGlobals({
      fail: () => {
        throw new RangeError('host failure');
      },
    });
    expect(run('try { fail() } catch (e) { [e instanceof RangeError, e.message].join() }')).toBe('true,host failure');
  });

  it('bridges promises both ways', async () => {
    const { run, membrane } = await guest();
    const value = await run('(async () => { await null; return 42 })()');
    expect(value).toBe(42);
    membrane.defineGlobals({ later: (v: number) => Promise.resolve(v + 1) });
    run('var got; later(1).then((v) => { got = v })');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(run('got')).toBe(2);
    await expect(run('Promise.reject(new Error("no"))')).rejects.toThrow('no');
  });

  it('copies dates and binary data', async () => {
    const { run } = await guest();
    expect(run('new Date(86400000)')).toEqual(new Date(86400000));
    expect(run('new Uint8Array([1, 2, 255])')).toEqual(new Uint8Array([1, 2, 255]));
    expect(new Uint8Array(run('new Uint16Array([1, 65535]).buffer'))).toEqual(new Uint8Array([1, 0, 255, 255]));
    const echo = run('(x) => x');
    const bytes = new Float64Array([Math.PI, -0]);
    expect(echo(bytes)).toEqual(bytes);
  });

  it('reaches Maps and Sets through proxies', async () => {
    const { run } = await guest();
    const map = run('new Map([["a", 1], ["b", 2]])');
    expect(map.get('b')).toBe(2);
    expect(map.size).toBe(2);
    expect([...map.keys()]).toEqual(['a', 'b']);
    map.set('c', 3);
    expect(run('1') && map.has('c')).toBe(true);
    const set = run('new Set([1, 2])');
    expect(set.has(2)).toBe(true);
  });
});
