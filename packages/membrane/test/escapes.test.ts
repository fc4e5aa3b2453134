// The guest must never reach the host's intrinsics or any host object it was not handed. Each
// attempt below tries to run code in the host realm (which would set a marker on the host's
// globalThis) or to change the host's intrinsics; every one must leave the host untouched.
import { afterEach, describe, expect, it } from 'vitest';
import { guest } from './support.js';

const hostGlobal = globalThis as Record<string, unknown>;
const MARK = 'globalThis.__xsbEscaped = true; Object.prototype.__xsbPolluted = true;';

function handed() {
  class Counter {
    count = 0;
    increment() {
      return ++this.count;
    }
  }
  // biome-ignore lint/complexity/useArrowFunction: a sloppy host function, for its caller/arguments
  const sloppy = function () {
    return 1;
  };
  return {
    plain: { a: 1 },
    fn: (x: number) => x + 1,
    sloppy,
    asyncFn: async () => 1,
    *gen() {
      yield 1;
    },
    counter: new Counter(),
    Counter,
    list: [1, 2, 3],
    map: new Map([['k', { inner: true }]]),
    set: new Set([1]),
    date: new Date(0),
    error: new TypeError('host error'),
    promise: Promise.resolve({ resolved: true }),
    get getter() {
      return { fromGetter: true };
    },
    thrower() {
      throw new RangeError('thrown by the host');
    },
    callWith(callback: (...args: unknown[]) => unknown) {
      return callback({ argument: true }, [1], () => 'host callback');
    },
    regexp: /host/g,
    bytes: new Uint8Array([1, 2]),
    symbolKeyed: { [Symbol.for('k')]: 1 },
  };
}

const attempts: [string, string][] = [
  ['constructor of a handed object', 'handed.plain.constructor.constructor(MARK)()'],
  ['constructor of a handed function', 'handed.fn.constructor(MARK)()'],
  ['__proto__ walk', 'handed.plain.__proto__.constructor.constructor(MARK)()'],
  ['Object.getPrototypeOf walk', 'Object.getPrototypeOf(handed.fn).constructor(MARK)()'],
  [
    'prototype chain of a class instance',
    'Object.getPrototypeOf(Object.getPrototypeOf(handed.counter)).constructor.constructor(MARK)()',
  ],
  ['a class constructor', 'handed.Counter.constructor(MARK)()'],
  ['a method of a class', 'handed.counter.increment.constructor(MARK)()'],
  ['an async function', 'Object.getPrototypeOf(handed.asyncFn).constructor(MARK)()'],
  ['a generator function', 'Object.getPrototypeOf(handed.gen).constructor(MARK)().next()'],
  ['a getter', 'Object.getOwnPropertyDescriptor(handed, "getter").get.constructor(MARK)()'],
  ['a getter result', 'handed.getter.constructor.constructor(MARK)()'],
  ['a thrown error', 'try { handed.thrower() } catch (e) { e.constructor.constructor(MARK)() }'],
  ['a handed error', 'handed.error.constructor.constructor(MARK)()'],
  [
    'callback arguments',
    'handed.callWith((o, a, f) => { o.constructor.constructor(MARK)(); a.constructor.constructor(MARK)(); f.constructor(MARK)(); })',
  ],
  ['callback arguments object', 'handed.callWith(function () { arguments[2].constructor(MARK)(); })'],
  ['a promise reaction', 'handed.promise.then((v) => v.constructor.constructor(MARK)())'],
  ["a promise's then", 'handed.promise.then.constructor(MARK)()'],
  ['a Map method', 'handed.map.get.constructor(MARK)()'],
  ['a Map value', 'handed.map.get("k").constructor.constructor(MARK)()'],
  ['a Map iterator', 'handed.map.entries().next.constructor(MARK)()'],
  ['an array method', 'handed.list.map.constructor(MARK)()'],
  ["an array's species", 'handed.list.constructor[Symbol.species].constructor(MARK)()'],
  ["a sloppy function's caller", 'String(handed.sloppy.caller) + handed.callWith(() => handed.sloppy.caller)'],
  ['a regexp method', 'handed.regexp.exec.constructor(MARK)()'],
  ['Symbol.hasInstance', 'handed.Counter[Symbol.hasInstance].constructor(MARK)()'],
  ['Function.prototype.call', 'handed.fn.call.constructor(MARK)()'],
  ['bind', 'handed.fn.bind(null).constructor(MARK)()'],
  ['toString and valueOf', 'handed.plain.toString.constructor(MARK)(); handed.plain.valueOf.constructor(MARK)()'],
  [
    'polluting the prototype of a handed object',
    'Object.getPrototypeOf(handed.plain).__xsbPolluted = true; handed.plain.__proto__.__xsbPolluted = true',
  ],
  [
    'polluting through constructor.prototype',
    'handed.plain.constructor.prototype.__xsbPolluted = true; handed.list.constructor.prototype.__xsbPolluted = true',
  ],
  ['defining on a handed intrinsic', 'Object.defineProperty(handed.fn.__proto__, "__xsbPolluted", { value: true })'],
  ['replacing a method the host uses', 'handed.list.__proto__.map = () => "replaced"'],
  ['eval through a handed object', 'handed.plain.constructor.constructor("return eval")()(MARK)'],
  ['the guest global seen by the host', 'globalThis.constructor.constructor(MARK)()'],
];

// A guest of its own for each attempt: what one does to its own realm stays out of the next.
async function armedGuest() {
  const armed = await guest();
  armed.membrane.defineGlobals({ handed: handed() });
  armed.run(`var MARK = ${JSON.stringify(MARK)};`);
  return armed;
}

afterEach(() => {
  delete hostGlobal.__xsbEscaped;
  delete (Object.prototype as Record<string, unknown>).__xsbPolluted;
});

describe('escape attempts', () => {
  it.each(attempts)('%s does not reach the host', async (_, code) => {
    const { run } = await armedGuest();
    try {
      await run(`(async () => { ${code} })()`);
    } catch {
      // a refusal is as good as harmlessness; only the host's state decides
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(hostGlobal.__xsbEscaped).toBeUndefined();
    expect(({} as Record<string, unknown>).__xsbPolluted).toBeUndefined();
    expect([1, 2].map((x) => x * 2)).toEqual([2, 4]);
    // and the host goes on
    expect((await armedGuest()).run('6 * 7')).toBe(42);
  });

  it('lands the guest in its own realm, where the marker is set', async () => {
    const { run } = await armedGuest();
    run('globalThis.__xsbEscaped = undefined; handed.plain.constructor.constructor(MARK)()');
    expect(run('globalThis.__xsbEscaped')).toBe(true);
    expect(run('handed.plain.constructor === Object && Object.getPrototypeOf(handed.fn) === Function.prototype')).toBe(true);
    expect(hostGlobal.__xsbEscaped).toBeUndefined();
  });

  it(`counts at least 25 attempts (${attempts.length})`, () => {
    expect(attempts.length).toBeGreaterThanOrEqual(25);
  });
});
