// What handing the guest an object grants (SECURITY.md, "What handing an object grants"): the
// guest reads and calls what it holds, writes only to what the host marked writable(), and never
// changes anything many host objects share — prototypes, constructors, statics — nor a host
// object's prototype. Each attempt below ran host code, or rewrote what every holder of a class
// sees, on the membrane before this model (issue 20). After each, the host's prototypes and
// statics are checked by identity, the host's markers, and a bystander sandbox's traffic.
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { isWritable, loadEngine, type Sandbox, writable } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';
import { attack, changedBetween, classesAndPrototypes, fingerprint, openPerTest } from './attempts.js';

const engine = await loadEngine();
const hostGlobal = globalThis as Record<string, unknown>;

// ---------------------------------------------------------------- the host's classes

/** A host class with an accessor, a static, a private field and a method, as apps write them. */
class Account {
  static registry: Account[] = [];
  static bank = { name: 'host bank' };
  #balance = 10;
  constructor(readonly owner = 'ada') {
    Account.registry.push(this);
  }
  get balance(): number {
    return this.#balance;
  }
  set balance(value: number) {
    if (value < 0) throw new RangeError('no overdraft');
    this.#balance = value;
  }
  deposit(n: number): number {
    this.#balance += n;
    return this.#balance;
  }
}
class SavingsAccount extends Account {
  interest(): number {
    return this.balance * 0.01;
  }
}
class HostList extends Array<number> {}
class HostMap extends Map<string, number> {}
class HostError extends Error {
  override name = 'HostError';
}
class HostBus extends EventEmitter {}

/** The classes whose prototypes, constructors and statics no guest may change, each with an instance to hand. */
const CLASSES: readonly (readonly [
  name: string,
  make: () => object,
  classes: readonly (abstract new (...args: never[]) => unknown)[],
])[] = [
  ['EventEmitter', () => new EventEmitter(), [EventEmitter]],
  ['a subclass of EventEmitter', () => new HostBus(), [HostBus, EventEmitter]],
  ['URL', () => new URL('https://example.test/a?b=c'), [URL]],
  ['URLSearchParams', () => new URLSearchParams('a=1&b=2'), [URLSearchParams]],
  ['TextEncoder', () => new TextEncoder(), [TextEncoder]],
  ['TextDecoder', () => new TextDecoder(), [TextDecoder]],
  ['Buffer', () => Buffer.from('host bytes'), [Buffer]],
  ['a Readable stream', () => Readable.from(['a', 'b']), [Readable]],
  ['a Writable stream', () => new Writable({ write: (_c, _e, done) => done() }), [Writable]],
  ['AbortController', () => new AbortController(), [AbortController]],
  ['AbortSignal', () => new AbortController().signal, [AbortSignal, EventTarget]],
  ['Headers', () => new Headers({ 'x-host': '1' }), [Headers]],
  ['a host class with accessors and statics', () => new Account(), [Account]],
  ['a subclass of a host class', () => new SavingsAccount(), [SavingsAccount, Account]],
  ['a subclass of Array', () => HostList.from([1, 2]), [HostList]],
  ['a subclass of Map', () => new HostMap([['a', 1]]), [HostMap]],
  ['a subclass of Error', () => new HostError('host'), [HostError]],
];

/** Every own property of every class and its prototype, of process and of a static object, by identity. */
const fingerprintNow = () =>
  fingerprint([
    ...classesAndPrototypes(CLASSES.flatMap(([, , classes]) => classes)),
    ['process', process],
    ['Account.bank', Account.bank],
  ]);

const pristine = fingerprintNow();
const ORIGINALS = [
  EventEmitter.prototype.emit,
  TextDecoder.prototype.decode,
  TextEncoder.prototype.encode,
  URL.prototype.toString,
  Buffer.prototype.toString,
] as const;

function expectHostUntouched(): void {
  expect(changedBetween(pristine, fingerprintNow())).toEqual([]);
  expect(ORIGINALS).toEqual([
    EventEmitter.prototype.emit,
    TextDecoder.prototype.decode,
    TextEncoder.prototype.encode,
    URL.prototype.toString,
    Buffer.prototype.toString,
  ]);
  expect(hostGlobal.__xsbEscaped).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).__xsbPolluted).toBeUndefined();
  expect(Account.bank.name).toBe('host bank');
  // the host's own classes still behave for instances the guest never saw
  const fresh = new EventEmitter();
  let heard = '';
  fresh.on('ping', (x: string) => (heard = x));
  fresh.emit('ping', 'pong');
  expect(heard).toBe('pong');
  expect(new TextDecoder().decode(new TextEncoder().encode('déjà'))).toBe('déjà');
  expect(new URL('https://x.test/p').toString()).toBe('https://x.test/p');
  expect(new Account('bob').deposit(5)).toBe(15);
}

const open = openPerTest(engine);

/** A sandbox that holds a secret and answers through the host's framing: it must be unaffected. */
function expectBystanderFine(bystander: Sandbox): void {
  expect(bystander.evaluate('6 * 7')).toBe(42);
  expect(bystander.evaluate('vault.token + " ✓ 😀"')).toBe('b-secret ✓ 😀');
  expect(bystander.evaluate('vault.reveal("x")')).toBe('x:b-secret');
}

const bystanderEndowments = () => {
  const token = 'b-secret';
  return { vault: { token, reveal: (x: string) => `${x}:${token}` } };
};

/** Ways a guest holding an instance tries to change what the instance's class shares. */
const VECTORS: readonly (readonly [name: string, body: string])[] = [
  [
    'replaces a method found up the prototype chain',
    `let p = target; while (p && !Object.getOwnPropertyNames(p).some((k) => k !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, k).value === 'function')) p = Object.getPrototypeOf(p);
     const k = Object.getOwnPropertyNames(p).find((k) => k !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, k).value === 'function');
     p[k] = MARK`,
  ],
  ['sets __proto__', `target.__proto__ = { toString: MARK, emit: MARK, decode: MARK }`],
  [
    'calls Object.setPrototypeOf',
    `if (!Reflect.setPrototypeOf(target, { x: 1 })) throw new TypeError('refused by the proxy'); Object.setPrototypeOf(target, null)`,
  ],
  ['writes through constructor.prototype', `target.constructor.prototype.toString = MARK`],
  [
    'defines on the prototype',
    `Object.defineProperty(Object.getPrototypeOf(target), 'toString', { value: MARK, configurable: true, writable: true })`,
  ],
  [
    'deletes from the prototype',
    `const p = Object.getPrototypeOf(target); for (const k of Object.getOwnPropertyNames(p)) delete p[k]`,
  ],
  [
    'writes a static',
    `target.constructor.registry = MARK; target.constructor.defaultMaxListeners = 0; target.constructor.from = MARK`,
  ],
  [
    'writes into a static object',
    `target.constructor.bank = {}; for (const k of Object.keys(target.constructor)) { const v = target.constructor[k]; if (v && typeof v === 'object') v.name = 'guest' }`,
  ],
  ['replaces the prototype of the prototype', `Object.getPrototypeOf(target).__proto__ = { toString: MARK }`],
  ['assigns onto the prototype', `Object.assign(Object.getPrototypeOf(target), { toString: MARK, valueOf: MARK })`],
  ['shadows a method on the instance', `target.toString = MARK; target.emit = MARK`],
  ['defines a getter on the instance', `Object.defineProperty(target, 'href', { get: MARK, configurable: true })`],
  ['freezes the prototype', `Object.freeze(Object.getPrototypeOf(target))`],
  [
    'reaches the prototype through a descriptor',
    `Object.getOwnPropertyDescriptor(target.constructor, 'prototype').value.toString = MARK`,
  ],
];

describe('a guest holding a host instance cannot change what its class shares', () => {
  for (const [className, make] of CLASSES) {
    for (const [vector, body] of VECTORS) {
      it(`${className}: ${vector}`, () => {
        const victim = open({ target: make() });
        const bystander = open(bystanderEndowments());
        const outcome = attack(victim, body);
        // a vector may find nothing to change, but whatever it touched was refused
        expect(outcome === 'done' ? 'done' : outcome.slice(0, 8)).toMatch(/^(done|refused:)$/);
        expectHostUntouched();
        expectBystanderFine(bystander);
        expect(victim.evaluate('1 + 1')).toBe(2);
      });
    }
  }
});

describe('the cases of issue 20', () => {
  it('1. an EventEmitter handed over does not let the guest run code when process emits', () => {
    const victim = open({ bus: new EventEmitter() });
    const bystander = open(bystanderEndowments());
    const outcome = attack(
      victim,
      `let p = bus; while (!Object.getOwnPropertyNames(p).includes('emit')) p = Object.getPrototypeOf(p);
       const orig = p.emit;
       p.emit = function (name, ...args) {
         if (typeof this.getBuiltinModule === 'function') globalThis.__reachedProcess = this;
         return Reflect.apply(orig, this, [name, ...args]);
       }`,
    );
    expect(outcome).toMatch(/^refused: TypeError: the guest may not set "emit" of a host object: the host handed it read-only/);
    process.emit('xsb-test-event' as never);
    expect(victim.evaluate('typeof globalThis.__reachedProcess')).toBe('undefined');
    victim.dispose();
    // after dispose the host's emitters still work: nothing of the guest's is installed in them
    expect(() => process.emit('xsb-test' as never)).not.toThrow();
    expectHostUntouched();
    expectBystanderFine(bystander);
  });

  it('2. one tenant cannot read or rewrite another tenant’s traffic through TextEncoder/TextDecoder', () => {
    const a = open({ TextEncoder, TextDecoder, log: (x: string) => x });
    const b = open(bystanderEndowments());
    const outcomes = [
      attack(a, `TextDecoder.prototype.decode = function (bytes) { log(String(bytes)); return '666' }`),
      attack(a, `TextEncoder.prototype.encode = function () { return new Uint8Array(1e9) }`),
      attack(a, `new TextDecoder().__proto__.decode = MARK`),
      attack(a, `Object.defineProperty(TextDecoder.prototype, 'decode', { value: MARK })`),
    ];
    for (const outcome of outcomes) expect(outcome).toMatch(/^refused: TypeError/);
    expect(b.evaluate('6*7')).toBe(42);
    expectBystanderFine(b);
    expectHostUntouched();
    // and the polyfill still works for the guest that holds it
    expect(a.evaluate('new TextDecoder().decode(new TextEncoder().encode("héllo"))')).toBe('héllo');
  });

  it('3. __proto__ of a handed object does not change its prototype', () => {
    class Counter {
      count = 0;
      increment() {
        return ++this.count;
      }
    }
    const h = { counter: new Counter() };
    const victim = open({ h });
    const outcome = attack(victim, `h.counter.__proto__ = { increment() { return 'guest' } }`);
    expect(outcome).toMatch(/^refused: TypeError: the guest may not set __proto__ of a host object/);
    expect(Object.getPrototypeOf(h.counter)).toBe(Counter.prototype);
    expect(h.counter.increment()).toBe(1);
    expectHostUntouched();
  });

  it('3b. __proto__ of a writable object does not change either, nor through define', () => {
    const state = writable({ n: 1 });
    const victim = open({ state });
    expect(attack(victim, `state.__proto__ = { n: 2 }`)).toMatch(/^refused: TypeError: .*__proto__/);
    expect(attack(victim, `Object.defineProperty(state, '__proto__', { value: { n: 3 } })`)).toMatch(/^refused: TypeError/);
    expect(
      attack(victim, `Reflect.setPrototypeOf(state, null) || (() => { throw new TypeError('refused by the proxy') })()`),
    ).toMatch(/^refused: TypeError/);
    expect(Object.getPrototypeOf(state)).toBe(Object.prototype);
    expectHostUntouched();
  });
});

describe('what handing an object grants', () => {
  it('a record handed plainly is read-only: reads and calls work, writes are refused with what to do', () => {
    const record = { id: 'r1', tags: ['a'], owner: { name: 'ada' }, describe: () => 'a record' };
    const sandbox = open({ record });
    expect(sandbox.evaluate('record.id + record.tags.length + record.owner.name + record.describe()')).toBe('r11adaa record');
    for (const body of [
      `record.id = "pwned"`,
      `delete record.id`,
      `record.tags.push("b")`,
      `record.tags[0] = "z"`,
      `record.tags.length = 0`,
      `record.owner.name = "eve"`,
      `Object.defineProperty(record, "id", { value: "pwned" })`,
      `Object.assign(record, { extra: 1 })`,
      `record.describe.call = MARK`,
      `record.describe.prototype = {}`,
    ]) {
      expect(attack(sandbox, body), body).toMatch(/^refused: TypeError: the guest may not/);
    }
    expect(record).toEqual({ id: 'r1', tags: ['a'], owner: { name: 'ada' }, describe: record.describe });
    expect(attack(sandbox, 'record.id = 1')).toContain('hands it as writable(object), from @xsb/sandbox');
  });

  it('an object handed as writable() takes the guest’s writes to its own properties, and nothing deeper', () => {
    const state = writable({ count: 0, items: writable([] as number[]), nested: { fixed: true } });
    const sandbox = open({ state });
    expect(attack(sandbox, 'state.count++; state.items.push(1, 2); state.label = "guest"; delete state.label')).toBe('done');
    expect(state.count).toBe(1);
    expect(state.items).toEqual([1, 2]);
    expect('label' in state).toBe(false);
    // writability is per object: what it holds stays read-only unless marked too
    expect(attack(sandbox, 'state.nested.fixed = false')).toMatch(/^refused: TypeError/);
    // values only: a getter would run guest code whenever host code read the property
    expect(attack(sandbox, 'Object.defineProperty(state, "count", { get() { return 99 } })')).toMatch(
      /^refused: TypeError: the guest may define only values/,
    );
    expect(state.count).toBe(1);
    expectHostUntouched();
  });

  it('a writable instance of a host class runs the class’s own setters, and its prototype stays shared', () => {
    const account = writable(new Account('eve'));
    const sandbox = open({ account });
    expect(attack(sandbox, 'account.balance = 50')).toBe('done');
    expect(account.balance).toBe(50);
    expect(attack(sandbox, 'account.balance = -1')).toMatch(/^refused: RangeError: no overdraft/);
    expect(attack(sandbox, 'Object.getPrototypeOf(account).deposit = MARK')).toMatch(/^refused: TypeError/);
    expect(attack(sandbox, 'account.constructor.prototype.deposit = MARK')).toMatch(/^refused: TypeError/);
    expectHostUntouched();
  });

  it('writable() refuses what is shared, and says what to hand instead', () => {
    expect(() => writable(Account.prototype)).toThrow(/every instance shares: hand the guest an instance/);
    expect(() => writable(EventEmitter.prototype)).toThrow(TypeError);
    expect(() => writable((() => 1) as never)).toThrow(/functions and their statics are shared/);
    expect(() => writable(null as never)).toThrow(TypeError);
    expect(isWritable({})).toBe(false);
    expect(isWritable(writable({}))).toBe(true);
  });

  it('an object the guest reached through a prototype path stays read-only even if marked writable', () => {
    const shared = { greet: () => 'hi' };
    const instance = Object.create(shared) as object;
    writable(shared);
    const sandbox = open({ instance });
    expect(attack(sandbox, 'Object.getPrototypeOf(instance).greet = MARK')).toMatch(/^refused: TypeError/);
    expect(attack(sandbox, 'instance.__proto__.greet = MARK')).toMatch(/^refused: TypeError/);
    expect(shared.greet()).toBe('hi');
  });

  it('a host array handed plainly cannot be sorted, filled or spliced by the guest', () => {
    const list = [3, 1, 2];
    const sandbox = open({ list });
    for (const body of [
      'list.sort()',
      'list.fill(0)',
      'list.splice(0, 1)',
      'list.reverse()',
      'list.pop()',
      'list.copyWithin(0, 1)',
    ]) {
      expect(attack(sandbox, body), body).toMatch(/^refused: TypeError/);
    }
    expect(list).toEqual([3, 1, 2]);
    expect(sandbox.evaluate('list.map((x) => x * 2).join()')).toBe('6,2,4');
  });

  it('a host Map handed over is changed only through its own methods, which the host chose to hand', () => {
    const map = new Map([['a', 1]]);
    const sandbox = open({ map });
    expect(sandbox.evaluate('map.set("b", 2); map.get("b")')).toBe(2);
    expect(attack(sandbox, 'Map.prototype.set = MARK; map.__proto__ = null')).toMatch(/^refused: TypeError/);
    expect(Object.getPrototypeOf(map)).toBe(Map.prototype);
    expectHostUntouched();
  });
});

describe('the host’s own code is immune to what changes host classes', () => {
  it('every sandbox’s traffic is framed with the codec captured at load, even if TextDecoder and TextEncoder are replaced later', () => {
    const sandbox = open(bystanderEndowments());
    const decode = TextDecoder.prototype.decode;
    const encode = TextEncoder.prototype.encode;
    try {
      // as a guest with write access, or careless host code, would
      TextDecoder.prototype.decode = () => '666';
      TextEncoder.prototype.encode = () => new Uint8Array([0x36]);
      expect(sandbox.evaluate('6 * 7')).toBe(42);
      expectBystanderFine(sandbox);
      expect(sandbox.evaluate('"π".repeat(3)')).toBe('πππ');
    } finally {
      TextDecoder.prototype.decode = decode;
      TextEncoder.prototype.encode = encode;
    }
  });
});
