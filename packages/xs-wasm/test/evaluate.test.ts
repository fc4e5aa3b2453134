import { ECMASCRIPT_GLOBALS, type Engine, GuestError, GuestSyntaxError, Handle, type Machine } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { engine } from './engine.js';

let xs: Engine;
let m: Machine;
beforeAll(async () => {
  xs = await engine();
  m = xs.createMachine();
});

describe('evaluate', () => {
  it('returns primitives by value', () => {
    expect(m.evaluate('1 + 2')).toBe(3);
    expect(m.evaluate('0.1 + 0.2')).toBe(0.1 + 0.2);
    expect(m.evaluate('-0')).toBe(-0);
    expect(m.evaluate('NaN')).toBeNaN();
    expect(m.evaluate('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(m.evaluate('"xs" + "b"')).toBe('xsb');
    expect(m.evaluate('true')).toBe(true);
    expect(m.evaluate('null')).toBe(null);
    expect(m.evaluate('undefined')).toBe(undefined);
    expect(m.evaluate('2n ** 70n')).toBe(2n ** 70n);
    expect(m.evaluate('-(2n ** 70n)')).toBe(-(2n ** 70n));
    expect(m.evaluate('2 ** 31')).toBe(2 ** 31);
  });

  it('keeps global declarations between scripts', () => {
    m.evaluate('var counter = 40; function bump() { return ++counter; }');
    m.evaluate('bump()');
    expect(m.evaluate('bump()')).toBe(42);
  });

  it('returns objects, functions and symbols as handles', () => {
    const object = m.evaluate('({ a: 1, b: [2, 3] })');
    const fn = m.evaluate('(o, k) => JSON.stringify(o[k] ?? o)');
    const symbol = m.evaluate('Symbol("s")');
    expect(object).toBeInstanceOf(Handle);
    expect((object as Handle).kind).toBe('object');
    expect((fn as Handle).kind).toBe('function');
    expect((symbol as Handle).kind).toBe('symbol');
    expect(m.call(fn as Handle, undefined, object, 'b')).toBe('[2,3]');
    expect(m.call(fn as Handle, undefined, object, undefined)).toBe('{"a":1,"b":[2,3]}');
  });

  it('calls with a this value and every kind of argument', () => {
    const describe = m.evaluate(
      '(function (...args) { return JSON.stringify([typeof this, this?.tag, args.map(a => typeof a + ":" + String(a))]); })',
    ) as Handle;
    const self = m.evaluate('({ tag: "me" })');
    expect(JSON.parse(m.call(describe, self, 1, 'two', true, null, undefined, 3n) as string)).toEqual([
      'object',
      'me',
      ['number:1', 'string:two', 'boolean:true', 'object:null', 'undefined:undefined', 'bigint:3'],
    ]);
  });

  it('releases handles, and refuses them once released', () => {
    const id = m.evaluate('(x) => x') as Handle;
    const object = m.evaluate('({})') as Handle;
    object.dispose();
    expect(object.disposed).toBe(true);
    expect(() => m.call(id, undefined, object)).toThrow(/disposed object handle/);
    const other = xs.createMachine();
    const foreign = other.evaluate('({})') as Handle;
    expect(() => m.call(id, undefined, foreign)).toThrow(/another machine/);
    other.dispose();
  });

  it('turns a syntax error into GuestSyntaxError with the guest message', () => {
    const error = catchError(() => m.evaluate('let x = ;'));
    expect(error).toBeInstanceOf(GuestSyntaxError);
    expect(error).toBeInstanceOf(GuestError);
    expect((error as GuestError).guestName).toBe('SyntaxError');
    expect((error as GuestError).message).toMatch(/./);
    expect(m.evaluate('1')).toBe(1);
  });

  it('turns a thrown guest error into GuestError with name, message and stack', () => {
    const error = catchError(() =>
      m.evaluate('function inner() { throw new RangeError("deep trouble"); }\nfunction outer() { inner(); }\nouter();'),
    ) as GuestError;
    expect(error).toBeInstanceOf(GuestError);
    expect(error.guestName).toBe('RangeError');
    expect(error.message).toBe('deep trouble');
    expect(error.guestStack).toMatch(/inner/);
    expect(error.guestStack).toMatch(/outer/);
  });

  it('describes thrown non-errors', () => {
    expect(catchError(() => m.evaluate('throw 42'))).toMatchObject({ guestName: '', message: '42' });
    expect(catchError(() => m.evaluate('throw { toString() { throw 1 } }'))).toBeInstanceOf(GuestError);
    expect(catchError(() => m.evaluate('throw Object.create(null)'))).toBeInstanceOf(GuestError);
  });

  it('drains the job queue before returning', () => {
    m.evaluate('var settled = []; Promise.resolve(1).then(v => settled.push(v)).then(() => settled.push(2));');
    expect(m.evaluate('settled.join()')).toBe('1,2');
  });
});

describe('the guest world', () => {
  it('has exactly the ECMAScript globals', () => {
    const names = JSON.parse(
      m.evaluate('JSON.stringify(Reflect.ownKeys(globalThis).filter(k => typeof k === "string"))') as string,
    );
    const fresh = xs.createMachine();
    const freshNames = JSON.parse(
      fresh.evaluate('JSON.stringify(Reflect.ownKeys(globalThis).filter(k => typeof k === "string"))') as string,
    );
    expect([...freshNames].sort()).toEqual([...ECMASCRIPT_GLOBALS].filter((name) => freshNames.includes(name)).sort());
    for (const gone of ['print', 'trace', 'harden', 'lockdown', 'Compartment', 'ModuleSource', 'gc', 'setTimeout', 'console']) {
      expect(freshNames).not.toContain(gone);
    }
    expect(names.length).toBeGreaterThanOrEqual(freshNames.length);
    fresh.dispose();
  });

  it('sees a fixed clock unless the host gives one, in UTC', () => {
    expect(m.evaluate('Date.now()')).toBe(0);
    expect(m.evaluate('new Date().toISOString()')).toBe('1970-01-01T00:00:00.000Z');
    let now = Date.UTC(2026, 10, 27, 12, 30);
    const clocked = xs.createMachine({ now: () => now });
    expect(clocked.evaluate('Date.now()')).toBe(now);
    now += 1500;
    expect(clocked.evaluate('new Date().getTime()')).toBe(now);
    expect(clocked.evaluate('new Date().getHours()')).toBe(12);
    expect(clocked.evaluate('new Date().getTimezoneOffset()')).toBe(0);
    clocked.dispose();
  });

  it('draws Math.random from its seed, the same in every machine with that seed', () => {
    const draw = 'Array.from({ length: 5 }, Math.random).join()';
    const a = xs.createMachine({ randomSeed: 7 });
    const b = xs.createMachine({ randomSeed: 7 });
    const c = xs.createMachine({ randomSeed: 8 });
    const first = a.evaluate(draw) as string;
    expect(b.evaluate(draw)).toBe(first);
    expect(c.evaluate(draw)).not.toBe(first);
    const values = first.split(',').map(Number);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(5);
    expect(a.evaluate('Math.random.name')).toBe('random');
    for (const machine of [a, b, c]) machine.dispose();
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
