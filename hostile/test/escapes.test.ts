// Escape attempts against the membrane and the endowments, with the real engine. The guest wins
// if it runs host code, reads or changes host state it was not handed, or takes the host down.
// Every attempt tries to run MARK in the host realm (where it would set a marker on the host's
// globalThis and pollute the host's Object.prototype) and to reach `secret`, a host object kept
// in an endowment's closure that nothing hands out; each then checks the host's markers and
// intrinsics, and that the sandbox still answers.
import {
  attachMembrane,
  decodeReply,
  describeMessage,
  type Encoded,
  encodeMessage,
  type MembraneWire,
  type Message,
  OPS,
  TAGS,
} from '@xsb/membrane';
import { createSandbox, loadEngine, RevokedError, type Sandbox } from '@xsb/sandbox';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

const engine = await loadEngine();
const hostGlobal = globalThis as Record<string, unknown>;
// biome-ignore lint/security/noGlobalEval: the host's eval, held to check that no guest reaches it
const hostEval = globalThis.eval;

// In the guest, MARK only changes the guest; in the host it would show.
const MARK = 'globalThis.__xsbEscaped = true; Object.prototype.__xsbPolluted = true; return typeof process';

// Anything that reads, writes or walks these records it: no host code touches them legitimately.
let touched: string[] = [];
const tracked = <T extends object>(name: string, target: T): T =>
  new Proxy(target, {
    get: (t, k, r) => (touched.push(`${name}.get ${String(k)}`), Reflect.get(t, k, r)),
    set: (t, k, v, r) => (touched.push(`${name}.set ${String(k)}`), Reflect.set(t, k, v, r)),
    has: (t, k) => (touched.push(`${name}.has ${String(k)}`), Reflect.has(t, k)),
    ownKeys: (t) => (touched.push(`${name}.ownKeys`), Reflect.ownKeys(t)),
    getPrototypeOf: (t) => (touched.push(`${name}.getPrototypeOf`), Reflect.getPrototypeOf(t)),
    defineProperty: (t, k, d) => (touched.push(`${name}.define ${String(k)}`), Reflect.defineProperty(t, k, d)),
  });
const secret = tracked('secret', { token: 'host-secret' });
const marker = tracked('marker', { note: 'host marker' });
hostGlobal.__xsbMarker = marker;

/** Host intrinsics a successful escape would change, by identity. */
const intrinsicsNow = () => [
  Object.prototype.toString,
  Object.prototype.hasOwnProperty,
  Array.prototype.map,
  Array.prototype[Symbol.iterator],
  Function.prototype.call,
  Function.prototype.apply,
  Function.prototype.bind,
  Promise.prototype.then,
  Object.keys,
  Object.defineProperty,
  Reflect.apply,
  JSON.stringify,
  JSON.parse,
  Map.prototype.get,
  Error.prepareStackTrace,
  Error.captureStackTrace,
  globalThis.Function,
  hostEval,
  Object.getOwnPropertyNames(Object.prototype).join(),
  Object.getOwnPropertyNames(Array.prototype).join(),
  Object.getOwnPropertyNames(Function.prototype).join(),
];
const pristine = intrinsicsNow();

/** Host values no guest may ever get hold of. */
const forbidden = (): unknown[] => [process, globalThis, secret, marker, Function, hostEval, Object.prototype, Reflect];

interface Armed {
  sandbox: Sandbox;
  /** Runs `body` as the guest's async function; resolves to what it returned or threw. */
  attempt(body: string): Promise<{ value?: unknown; error?: unknown }>;
}

function endowments(holder: { sandbox?: Sandbox }) {
  class Counter {
    count = 0;
    increment() {
      return ++this.count;
    }
  }
  const listeners = new Map<string, (payload: unknown) => unknown>();
  let stored: unknown;
  return {
    plain: { a: 1, nested: { b: 2 } },
    fn: (x: number) => x + 1,
    asyncFn: async () => 1,
    *gen() {
      yield 1;
    },
    Counter,
    counter: new Counter(),
    list: [1, 2, 3],
    map: new Map([['k', { inner: true }]]),
    error: new TypeError('host error'),
    promise: Promise.resolve({ resolved: true }),
    rejected: () => Promise.reject(new RangeError('host rejection')),
    get getter() {
      return { fromGetter: true };
    },
    set setter(value: unknown) {
      stored = value;
    },
    stored: () => stored,
    thrower() {
      throw new RangeError('thrown by the host');
    },
    throwObject() {
      throw { thrownObject: true };
    },
    callWith: (callback: (...args: unknown[]) => unknown) => callback({ argument: true }, [1], () => 'host callback'),
    // the dangerous kind of endowment: it calls what the guest gives with what the guest gives
    call: (f: (...args: unknown[]) => unknown, ...args: unknown[]) => f(...args),
    // and the kind that writes into what the guest gives
    assign: (target: object, source: object) => Object.assign(target, source),
    bus: {
      on: (name: string, listener: (payload: unknown) => unknown) => void listeners.set(name, listener),
      emit: (name: string, payload: unknown) => listeners.get(name)?.(payload),
    },
    vault: {
      check: (password: unknown) => password === 'open sesame',
      // keeps `secret` reachable from host code the guest calls, never handed out
      size: () => (secret ? 1 : 0),
    },
    // the host using guest values in all the ordinary ways
    coerce(x: unknown) {
      const out: unknown[] = [];
      for (const use of [
        () => String(x),
        () => `${x}`,
        () => (x as number) + 1,
        () => Number(x),
        // biome-ignore lint/suspicious/noDoubleEquals: loose equality coerces, which is the point
        () => x == 1,
        () => JSON.stringify(x),
        () => Object.prototype.toString.call(x),
        () => [].concat(x as never).length,
      ]) {
        try {
          out.push(use());
        } catch (error) {
          out.push(`threw ${(error as Error)?.name}`);
        }
      }
      return out.map(String).join('|');
    },
    inspect(x: object) {
      const out: unknown[] = [];
      for (const use of [
        () => Object.keys(x),
        () => Reflect.ownKeys(x),
        () => 'a' in x,
        () => (x as Record<string, unknown>).a,
        () => ((x as Record<string, unknown>).a = 1),
        () => delete (x as Record<string, unknown>).a,
        () => Object.getPrototypeOf(x),
        () => Object.getOwnPropertyDescriptor(x, 'a'),
        () => Object.defineProperty(x, 'b', { value: 1, configurable: true }),
        () => x instanceof Object,
        () => Array.isArray(x),
        () => ({ ...x }),
        () => Object.entries(x),
        () => typeof x === 'function' && (x as () => unknown)(),
        () => typeof x === 'function' && new (x as new () => unknown)(),
      ]) {
        try {
          out.push(use());
        } catch (error) {
          out.push(error);
        }
      }
      return out.length;
    },
    instanceOf: (x: unknown, C: () => unknown) => x instanceof C,
    spread: (x: Iterable<unknown>) => [...x].length,
    mapWithHost: (x: unknown[]) => Array.prototype.map.call(x, (v: unknown) => typeof v),
    awaitIt: async (x: unknown) => await x,
    errorOf(error: unknown) {
      const e = error as Error;
      return [e?.name, e?.message, typeof e?.stack, e instanceof Error].join('|');
    },
    reenter: (callback: (n: number) => unknown, n: number) => callback(n),
    evaluateInside: (source: string) => holder.sandbox!.evaluate(source),
    disposeInside: () => holder.sandbox!.dispose(),
  };
}

async function armed(): Promise<Armed> {
  const holder: { sandbox?: Sandbox } = {};
  const sandbox = createSandbox({ engine, endowments: { h: endowments(holder) } });
  holder.sandbox = sandbox;
  sandbox.evaluate(`var MARK = ${JSON.stringify(MARK)};`);
  return {
    sandbox,
    async attempt(body) {
      try {
        const value = await (sandbox.evaluate(`(async () => { ${body}\n})()`) as Promise<unknown>);
        return { value };
      } catch (error) {
        return { error };
      }
    },
  };
}

function expectHostUntouched(outcome?: { value?: unknown; error?: unknown }): void {
  expect(hostGlobal.__xsbEscaped).toBeUndefined();
  expect(({} as Record<string, unknown>).__xsbPolluted).toBeUndefined();
  expect(touched).toEqual([]);
  expect(intrinsicsNow()).toEqual(pristine);
  expect(typeof process.exit).toBe('function');
  // by identity only: expect() would itself walk the tracked objects
  if (outcome) expect(forbidden().some((value) => value === outcome.value)).toBe(false);
}

afterEach(() => {
  delete hostGlobal.__xsbEscaped;
  delete (Object.prototype as Record<string, unknown>).__xsbPolluted;
  touched = [];
});

// [name, the guest's async function body]. Each may throw in the guest: a refusal is as good as
// harmlessness, only the host's state decides.
const attempts: readonly (readonly [string, string])[] = [
  // constructor chains
  ['constructor of a handed object', 'return h.plain.constructor.constructor(MARK)()'],
  ['constructor of a handed function', 'return h.fn.constructor(MARK)()'],
  ['constructor of a handed class', 'return h.Counter.constructor(MARK)()'],
  ['constructor of a method', 'return h.counter.increment.constructor(MARK)()'],
  ['constructor of an async function', 'return h.asyncFn.constructor(MARK)()'],
  ['constructor of a generator function', 'return h.gen.constructor(MARK)().next().value'],
  ['constructor of a handed array', 'return h.list.constructor.constructor(MARK)()'],
  ['constructor of a Map and its methods', 'h.map.constructor.constructor(MARK)(); return h.map.get.constructor(MARK)()'],
  [
    'constructor of call, apply and bind',
    'h.fn.call.constructor(MARK)(); h.fn.apply.constructor(MARK)(); return h.fn.bind(null).constructor(MARK)()',
  ],
  ['constructor of a namespace object', 'return h.vault.constructor.constructor("return globalThis.__xsbMarker")()'],
  // prototype walks
  ['__proto__ walk', 'return h.plain.__proto__.constructor.constructor(MARK)()'],
  [
    'every prototype of a class instance',
    'let o = h.counter, out; while (o) { try { out = o.constructor.constructor(MARK)() } catch {} o = Object.getPrototypeOf(o) } return out',
  ],
  ['Reflect.getPrototypeOf of a function', 'return Reflect.getPrototypeOf(h.fn).constructor(MARK)()'],
  [
    'polluting the prototype of a handed object',
    'Object.getPrototypeOf(h.plain).__xsbPolluted = true; h.plain.__proto__.__proto__; h.list.__proto__.__xsbPolluted = true',
  ],
  [
    'polluting through constructor.prototype',
    'h.plain.constructor.prototype.__xsbPolluted = true; h.fn.constructor.prototype.__xsbPolluted = true',
  ],
  [
    'defining on a handed intrinsic',
    'Object.defineProperty(h.fn.__proto__, "__xsbPolluted", { value: true }); return h.fn.__proto__',
  ],
  [
    'setPrototypeOf on a handed object',
    'Object.setPrototypeOf(h.plain, { __xsbPolluted: true }); return Object.getPrototypeOf(h.plain)',
  ],
  [
    'replacing a method the host uses',
    'const map = Array.prototype.map; h.list.__proto__.map = () => MARK; try { return h.mapWithHost([1]) } finally { Array.prototype.map = map }',
  ],
  // getters and setters
  ['a getter itself', 'return Object.getOwnPropertyDescriptor(h, "getter").get.constructor(MARK)()'],
  ['what a getter returns', 'return h.getter.constructor.constructor(MARK)()'],
  [
    'a setter given a guest object with a trap for the host',
    'h.setter = { get token() { return this }, toString() { return this.constructor.constructor(MARK)() } }; return h.stored()',
  ],
  [
    'a guest getter defined on a handed object, read by the host',
    'Object.defineProperty(h.plain, "a", { get() { return this.constructor.constructor(MARK)() }, configurable: true }); return h.coerce(h.plain)',
  ],
  ['__lookupGetter__ on a handed object', 'return h.__lookupGetter__("getter").constructor(MARK)()'],
  // proxies handed to the host
  [
    'a Proxy whose every trap walks its arguments',
    `let p;
     const walk = (...args) => { for (const a of args) if (a !== p) try { a.constructor.constructor(MARK)() } catch {} };
     p = new Proxy(function () {}, new Proxy({}, { get: (_, trap) => (...args) => (walk(...args), Reflect[trap](...args)) }));
     return h.inspect(p)`,
  ],
  ['a Proxy whose traps all throw', 'return h.inspect(new Proxy({}, new Proxy({}, { get: () => () => { throw h } })))'],
  ['a revoked Proxy', 'const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return h.inspect(proxy)'],
  [
    'a Proxy that lies about its keys and prototype',
    'return h.inspect(new Proxy({}, { ownKeys: () => ["a", "a", "__proto__"], getPrototypeOf: () => Array.prototype }))',
  ],
  // thrown values
  ['a host error thrown into the guest', 'try { h.thrower() } catch (e) { return e.constructor.constructor(MARK)() }'],
  ['a host error kept and returned to the host', 'try { h.thrower() } catch (e) { return h.errorOf(e) }'],
  ['a host object thrown into the guest', 'try { h.throwObject() } catch (e) { return e.constructor.constructor(MARK)() }'],
  [
    'a guest error with getters on name, message and stack',
    `const e = new Error('x');
     for (const k of ['name', 'message', 'stack']) Object.defineProperty(e, k, { get() { return Function(MARK)() } });
     return h.callWith(() => { throw e })`,
  ],
  [
    'a guest error with throwing getters, read by the host',
    "return h.errorOf(Object.defineProperty(new Error('x'), 'name', { get() { throw h } }))",
  ],
  ['a guest Proxy thrown to the host', 'return h.callWith(() => { throw new Proxy({}, { get: (t, k) => Function(MARK)() }) })'],
  ['a guest error whose cause is a trap', "throw new Error('x', { cause: { toString() { return Function(MARK)() } } })"],
  // promises and thenables
  [
    'a thenable awaited by the host',
    'return h.awaitIt({ then(resolve, reject) { resolve.constructor(MARK)(); reject.constructor(MARK)(); resolve(this.constructor) } })',
  ],
  ['a thenable whose then is a throwing getter', 'return h.awaitIt({ get then() { throw h } })'],
  ['a host promise reaction', 'return h.promise.then((v) => v.constructor.constructor(MARK)())'],
  ['a host rejection', 'return h.rejected().catch((e) => e.constructor.constructor(MARK)())'],
  [
    'a guest promise that settles twice and calls then on the host',
    'const p = Promise.resolve(1); p.then = function (ok, err) { ok(1); ok(2); err(3); return Promise.prototype.then.call(this, ok, err) }; return h.awaitIt(p)',
  ],
  // well-known symbols
  [
    'Symbol.species on an array the host maps',
    'const a = [1, 2]; a.constructor = { [Symbol.species]: function (n) { return this.constructor.constructor(MARK)() } }; return h.mapWithHost(a)',
  ],
  [
    'Symbol.toPrimitive coerced by the host',
    'return h.coerce({ [Symbol.toPrimitive](hint) { return hint.constructor.constructor(MARK)() } })',
  ],
  [
    'Symbol.hasInstance asked by the host',
    'return h.instanceOf(h.plain, { [Symbol.hasInstance](v) { v.constructor.constructor(MARK)(); return true } })',
  ],
  [
    'Symbol.iterator spread by the host',
    'return h.spread({ [Symbol.iterator]() { let i = 0; return { next: (x) => ({ done: i++ > 2, value: Function(MARK)() }) } } })',
  ],
  ['Symbol.toStringTag read by the host', 'return h.coerce({ get [Symbol.toStringTag]() { return Function(MARK)() } })'],
  // coercions
  [
    'toString and valueOf coerced by the host',
    'return h.coerce({ toString() { return arguments.length + Function(MARK)() }, valueOf() { return this.constructor.constructor(MARK)() } })',
  ],
  ['toJSON called by the host', 'return h.coerce({ toJSON(key) { return key.constructor.constructor(MARK)() } })'],
  ['a handed toString and valueOf', 'h.plain.toString.constructor(MARK)(); return h.plain.valueOf.constructor(MARK)()'],
  // stacks
  [
    "the guest's Error.prepareStackTrace is not V8's hook",
    `if (Error.prepareStackTrace !== undefined || Error.captureStackTrace !== undefined) return 'V8 hooks in the guest';
     let called = false;
     Error.prepareStackTrace = (e, frames) => { called = true; return frames[0].getThis() };
     try { h.thrower() } catch (e) { if (typeof e.stack !== 'string') return 'not a string'; }
     return called ? 'called' : 'fine'`,
  ],
  ['a stack read for frames', 'try { h.thrower() } catch (e) { return e.stack.constructor.constructor(MARK)() }'],
  // the host calling what the guest gives it (intrinsics must not stand for the host's own)
  ['eval handed to a host function that calls it', "return h.call(eval, 'globalThis.__xsbEscaped = true; typeof process')"],
  ['Function handed to a host function that calls it', 'return h.call(Function, MARK)()'],
  ['Reflect.apply of Function through the host', 'return h.call(Reflect.apply, Function, undefined, [MARK])()'],
  [
    'host intrinsics changed through a host call',
    "h.call(Object.defineProperty, Object.prototype, '__xsbPolluted', { value: true, configurable: true }); return h.call(Reflect.set, Array.prototype, '__xsbPolluted', true)",
  ],
  [
    "the guest's Object.prototype handed to a host function that writes into its argument",
    'h.assign(Object.prototype, { __xsbPolluted: true }); h.assign(Array.prototype, { __xsbPolluted: true }); return typeof Object.prototype.__xsbPolluted',
  ],
  [
    'a host-side composition of intrinsics reaching Function',
    `const apply = h.call(Function.prototype.bind, Function.prototype.apply, Function.prototype.apply);
     return h.call(Reflect.apply, Array.prototype.reduce, [[undefined, [Function.prototype, 'constructor']], [undefined, [MARK]], [undefined, []]], [apply, Reflect.get])`,
  ],
  [
    'eval registered as an event listener',
    "h.bus.on('m', eval); return h.bus.emit('m', 'globalThis.__xsbEscaped = true; globalThis.__xsbMarker')",
  ],
  ['an async function constructor as a listener', "h.bus.on('m', (async () => {}).constructor); return h.bus.emit('m', MARK)"],
  // re-entrancy
  [
    'guest → host → guest … 40 deep',
    'const down = (n) => n === 0 ? this?.constructor?.constructor?.(MARK)?.() : h.reenter(down, n - 1); return down(40)',
  ],
  ['the host evaluating inside a guest call', "return h.evaluateInside('h.plain.constructor.constructor(MARK)()')"],
  [
    'a guest callback reentered with host arguments',
    'return h.callWith(function (o, a, f) { return h.reenter(() => [o, a, f].map((x) => x.constructor.constructor(MARK)()), 1) })',
  ],
  // the vault: secret is in reach of host code only
  [
    'guessing at the vault',
    "return [h.vault.check('open sesame'), h.vault.size(), Object.keys(h.vault), h.vault.size.toString()]",
  ],
];

describe('escape attempts', () => {
  it.each(attempts)('%s', async (_name, body) => {
    const { sandbox, attempt } = await armed();
    const outcome = await attempt(body);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expectHostUntouched(outcome);
    expect(sandbox.evaluate('1 + 1')).toBe(2);
    sandbox.dispose();
  });

  it('lands constructor chains in the guest, where MARK does run', async () => {
    const { sandbox, attempt } = await armed();
    expect((await attempt('return h.plain.constructor.constructor(MARK)()')).value).toBe('undefined');
    expect(sandbox.evaluate('globalThis.__xsbEscaped')).toBe(true);
    // the guest's own eval and Function, called by the host on the guest's behalf, run in the guest
    expect((await attempt("return h.call(eval, 'typeof globalThis.h')")).value).toBe('object');
    expect((await attempt("return h.call(Function, 'return 6 * 7')()")).value).toBe(42);
    expectHostUntouched();
  });

  it('gives the host an Error for a guest error named like an Object.prototype member', async () => {
    const { sandbox } = await armed();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      let thrown: unknown;
      try {
        sandbox.evaluate(`{ const e = new Error('named'); e.name = ${JSON.stringify(name)}; throw e }`);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message).toBe('named');
    }
  });

  it('refuses a disposal from inside a call, saying so, and disposes after', async () => {
    const { sandbox, attempt } = await armed();
    // the membrane is revoked first, then the machine refuses (busy): the promise the call
    // returned is refused too, rather than left waiting for a settlement nobody lets in
    const outcome = await attempt('return h.disposeInside()');
    expect(outcome.error).toBeInstanceOf(RevokedError);
    expect(() => sandbox.evaluate('1 + 1')).toThrow(RevokedError);
    sandbox.dispose();
    expect(() => sandbox.evaluate('1 + 1')).toThrow(RevokedError);
    expectHostUntouched();
  });

  it('revokes the guest proxies the host kept once the sandbox is disposed', async () => {
    const { sandbox } = await armed();
    const kept = sandbox.evaluate('({ f() { return 1 }, o: {} })') as { f(): number; o: object };
    expect(kept.f()).toBe(1);
    sandbox.dispose();
    expect(() => kept.f()).toThrow(RevokedError);
    expect(() => Object.keys(kept.o)).toThrow(RevokedError);
    expect(() => Object.getPrototypeOf(kept)).toThrow(RevokedError);
  });

  it(`makes at least 60 attempts in all (${attempts.length} here, with forged messages and a compromised guest side below)`, () => {
    expect(attempts.length + forged.length + compromised.length).toBeGreaterThanOrEqual(60);
  });
});

// ------------------------------------------------------------------ forged messages

/** A machine and membrane, and the host's handling of a message from the guest, raw. */
async function wired() {
  const machine = engine.createMachine();
  let direct: MembraneWire | undefined;
  const membrane = attachMembrane(machine, {
    wire: (wire) => {
      direct = wire;
      return wire;
    },
  });
  // ids in the order the guest receives them: 1 the endowments record, 2 `fn`, 3 `obj`, 4 `call`
  membrane.defineGlobals({
    fn: (...args: unknown[]) => args.map((a) => (a !== null && typeof a === 'object' ? a.constructor.name : typeof a)).join(),
    obj: { a: 1, keep: secret ? 1 : 0 },
    call: (f: (...args: unknown[]) => unknown, ...args: unknown[]) => f(...args),
  });
  expect(membrane.evaluateScript('typeof fn + typeof obj + typeof call')).toBe('functionobjectfunction');
  return {
    machine,
    membrane,
    fromGuest: (message: Message | Uint8Array) =>
      direct!.fromGuest(message instanceof Uint8Array ? message : encodeMessage(message)),
  };
}

const FN: Encoded = { $: 'd', id: 2 };
const OBJ: Encoded = { $: 'd', id: 3 };
const callFn = (...args: Encoded[]): Message => ({ op: 'apply', t: FN, self: undefined, args });
const callIt = (...args: Encoded[]): Message => ({ op: 'apply', t: { $: 'd', id: 4 }, self: undefined, args });
/** Bytes the host's encoder would refuse to write: built by hand (protocol.ts has the layout). */
const raw = (...parts: (number | string)[]): Uint8Array => {
  const bytes: number[] = [];
  for (const part of parts) {
    if (typeof part === 'number') bytes.push(part);
    else bytes.push(part.length, 0, 0, 0, ...Array.from(part, (c) => c.charCodeAt(0)));
  }
  return new Uint8Array(bytes);
};
const FN_BYTES = [TAGS.RECEIVER, 2, 0, 0, 0];
const OBJ_BYTES = [TAGS.RECEIVER, 3, 0, 0, 0];
/** A call of `fn` with one argument, its bytes given. */
const callFnWith = (...arg: (number | string)[]) => raw(OPS.apply, ...FN_BYTES, TAGS.UNDEFINED, 1, 0, 0, 0, ...arg);
/** `depth` values of `prefix` around one INT32 1, as raw bytes. */
const nested = (depth: number, prefix: readonly number[]): Uint8Array => {
  const bytes = new Uint8Array(depth * prefix.length + 5);
  for (let i = 0; i < depth; i++) bytes.set(prefix, i * prefix.length);
  bytes.set([TAGS.INT32, 1, 0, 0, 0], depth * prefix.length);
  return bytes;
};
const deepCall = (depth: number, prefix: readonly number[]): Uint8Array => {
  const head = callFnWith();
  const body = nested(depth, prefix);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
};
// an ERROR named "Error", message and stack empty, with a cause: the cause follows
const ERROR_WITH_CAUSE = [TAGS.ERROR, 5, 0, 0, 0, 0x45, 0x72, 0x72, 0x6f, 0x72, 0, 0, 0, 0, 0, 0, 0, 0, 1];

// [name, message (encoded, or bytes as they come), what the host must answer: ok with this value, or err with this error name]
const forged: readonly (readonly [string, Message | Uint8Array, { ok: unknown } | { err: string } | { guest: true }])[] = [
  ['an unknown op', raw(200, ...OBJ_BYTES, TAGS.STRING, 'a'), { err: 'ProtocolError' }],
  ['an op the format reserves', raw(13, ...OBJ_BYTES), { err: 'ProtocolError' }],
  ['a reply where a request goes', encodeMessage({ ok: 1 }), { err: 'ProtocolError' }],
  ['no bytes at all', raw(), { err: 'ProtocolError' }],
  ['an id never exported', { op: 'get', t: { $: 'd', id: 999 }, k: 'a' }, { err: 'RevokedError' }],
  ['id 0', { op: 'get', t: { $: 'd', id: 0 }, k: 'a' }, { err: 'RevokedError' }],
  ['the largest id', { op: 'get', t: { $: 'd', id: 2 ** 32 - 1 }, k: 'a' }, { err: 'RevokedError' }],
  ['an intrinsic as a target', { op: 'get', t: { $: 'i', p: 'globalThis' }, k: 'process' }, { err: 'ProtocolError' }],
  [
    'calling the host Function by name',
    { op: 'apply', t: { $: 'i', p: 'Function' }, self: undefined, args: ['return process'] },
    { err: 'ProtocolError' },
  ],
  [
    'calling the host eval by name',
    { op: 'apply', t: { $: 'i', p: 'eval' }, self: undefined, args: ['process'] },
    { err: 'ProtocolError' },
  ],
  [
    'constructing the host Function by name',
    { op: 'construct', t: { $: 'i', p: 'Function' }, args: ['return process'] },
    { err: 'ProtocolError' },
  ],
  ['a well-known named __proto__', { op: 'get', t: { $: 'w', n: '__proto__' }, k: 'a' }, { err: 'ProtocolError' }],
  ['a well-known named constructor', { op: 'get', t: { $: 'w', n: 'constructor' }, k: 'a' }, { err: 'ProtocolError' }],
  [
    'a well-known named hasOwnProperty',
    { op: 'apply', t: { $: 'w', n: 'hasOwnProperty' }, self: undefined, args: [] },
    { err: 'ProtocolError' },
  ],
  // names the host's side never answers to: the guest's side's control channel and kept values go by name one way only
  [
    'a control method by name, of the host',
    { op: 'apply', t: { $: 'w', n: 'control:evaluateScript' }, self: undefined, args: ['1'] },
    { err: 'ProtocolError' },
  ],
  [
    'a kept value by name, of the host',
    { op: 'apply', t: { $: 'w', n: 'kept:plugin:timers' }, self: undefined, args: [] },
    { err: 'ProtocolError' },
  ],
  ['a source reference to an object of the host', { op: 'get', t: { $: 's', id: 3, k: 'o' }, k: 'a' }, { err: 'ProtocolError' }],
  ['the constructor key of a handed object', { op: 'get', t: OBJ, k: 'constructor' }, { ok: { $: 'i', p: 'Object' } }],
  ['the __proto__ key of a handed object', { op: 'get', t: OBJ, k: '__proto__' }, { ok: { $: 'i', p: 'Object.prototype' } }],
  ['a key that is an object', { op: 'get', t: OBJ, k: { $: 'd', id: 3 } }, { err: 'ProtocolError' }],
  ['a key that is a list', raw(OPS.get, ...OBJ_BYTES, TAGS.LIST, 1, 0, 0, 0, TAGS.STRING, 'a'), { err: 'ProtocolError' }],
  ['eval by name, called by the host', callIt({ $: 'i', p: 'eval' }, 'typeof process'), { ok: 'undefined' }],
  // the guest's Function made a guest function: the reply names it as the guest's own
  ['Function by name, called by the host', callIt({ $: 'i', p: 'Function' }, 'return typeof process'), { guest: true }],
  ['an error named constructor', callFn({ $: 'e', n: 'constructor', m: 'x', s: '' }), { ok: 'Error' }],
  ['an error named __proto__', callFn({ $: 'e', n: '__proto__', m: 'x', s: '' }), { ok: 'Error' }],
  ['a typed array of kind constructor', callFn({ $: 'ta', c: 'constructor', v: new ArrayBuffer(4) }), { err: 'ProtocolError' }],
  ['a typed array of kind __proto__', callFn({ $: 'ta', c: '__proto__', v: new ArrayBuffer(4) }), { err: 'ProtocolError' }],
  [
    'a typed array whose bytes are not a whole number of elements',
    callFn({ $: 'ta', c: 'Float64Array', v: new ArrayBuffer(12) }),
    { err: 'ProtocolError' },
  ],
  ['a bigint that is not a number', callFnWith(TAGS.BIGINT, '0x'), { err: 'ProtocolError' }],
  ['a well-known symbol past the list', callFnWith(TAGS.SYMBOL, 200), { err: 'ProtocolError' }],
  ['a buffer of any bytes', callFn({ $: 'ab', v: new Uint8Array([0xff, 0xc0, 0, 0xed]).buffer }), { ok: 'ArrayBuffer' }],
  ['a buffer running past the end', callFnWith(TAGS.BUFFER, 0xff, 0xff, 0xff, 0x7f, 1, 2), { err: 'ProtocolError' }],
  ['a view whose bytes run past the end', callFnWith(TAGS.VIEW, 'Uint8Array', 5, 0, 0, 0, 1), { err: 'ProtocolError' }],
  ['an unknown value tag', callFnWith(99), { err: 'ProtocolError' }],
  ['a descriptor as a value', callFnWith(TAGS.DESCRIPTOR, 1, 0, TAGS.RECEIVER, 2, 0, 0, 0), { err: 'ProtocolError' }],
  ['a string running past the end', callFnWith(TAGS.STRING, 0xff, 0xff, 0xff, 0x7f, 0x61), { err: 'ProtocolError' }],
  ['more arguments than bytes', raw(OPS.apply, ...FN_BYTES, TAGS.UNDEFINED, 0xff, 0xff, 0xff, 0xff), { err: 'ProtocolError' }],
  ['a truncated id', raw(OPS.get, TAGS.RECEIVER, 3, 0), { err: 'ProtocolError' }],
  ['trailing bytes', raw(OPS.get, ...OBJ_BYTES, TAGS.STRING, 'a', 0), { err: 'ProtocolError' }],
  ['construct on an arrow function', { op: 'construct', t: FN, args: [] }, { err: 'TypeError' }],
  ['apply on a non-function', { op: 'apply', t: OBJ, self: undefined, args: [] }, { err: 'TypeError' }],
  [
    'a descriptor that is a number',
    raw(OPS.define, ...OBJ_BYTES, TAGS.STRING, 'z', TAGS.INT32, 7, 0, 0, 0),
    { err: 'ProtocolError' },
  ],
  ['a descriptor with a forged getter', { op: 'define', t: OBJ, k: 'z', d: { g: { $: 'd', id: 777 } } }, { err: 'RevokedError' }],
  [
    'descriptor bits the format does not define',
    raw(OPS.define, ...OBJ_BYTES, TAGS.STRING, 'z', TAGS.DESCRIPTOR, 0xff, 0xff),
    { err: 'ProtocolError' },
  ],
  ['a target that is null', { op: 'get', t: null, k: 'a' }, { err: 'ProtocolError' }],
  ['a target that is a string', { op: 'keys', t: 'obj' }, { err: 'ProtocolError' }],
  ['releases of ids never given', { op: 'release', ids: [[999, 1]] }, { ok: undefined }],
  ['a settlement of a promise never sent', { op: 'settle', id: 424242, ok: 1 }, { ok: undefined }],
  ['an object kind past the three', callFnWith(TAGS.SENDER, 9, 0, 0, 0, 7), { err: 'ProtocolError' }],
  // the host's own stack runs out decoding it: a RangeError, caught like any other
  ['an error cause 100,000 deep', deepCall(100_000, ERROR_WITH_CAUSE), { err: 'RangeError' }],
  ['lists 100,000 deep', deepCall(100_000, [TAGS.LIST, 1, 0, 0, 0]), { err: 'RangeError' }],
];

/** A reply as the host sent it, decoded, and whether it names a host object by reference. */
const answer = (bytes: Uint8Array) => ({
  reply: decodeReply(bytes) as { ok?: unknown; err?: { $: string; n: string } },
  byReference: /"\$":"s"/.test(describeMessage(bytes)),
});

describe('forged and malformed messages from the guest side', () => {
  let harness: Awaited<ReturnType<typeof wired>>;
  beforeAll(async () => {
    harness = await wired();
  });

  it.each(forged)('%s', (_name, message, expected) => {
    const { reply, byReference } = answer(harness.fromGuest(message));
    if ('ok' in expected) expect(reply).toEqual({ ok: expected.ok });
    else if ('err' in expected) expect(reply.err).toMatchObject({ $: 'e', n: expected.err });
    else expect(reply.ok).toMatchObject({ $: 'd' });
    // no reply hands out a host object by reference
    expect(byReference).toBe(false);
    expectHostUntouched();
    expect(harness.membrane.evaluateScript('typeof fn + typeof obj + (1 + 1)')).toBe('functionobject2');
  });

  it('answers every truncation of a valid message with a ProtocolError, and goes on', () => {
    const whole = encodeMessage(callFn('x', { $: 'e', n: 'Error', m: 'm', s: '', c: 12n }, { $: 'y', r: 'k' }));
    for (let cut = 0; cut < whole.length; cut++) {
      const { reply } = answer(harness.fromGuest(whole.subarray(0, cut)));
      expect(reply.err, `cut at ${cut}`).toMatchObject({ $: 'e', n: 'ProtocolError' });
    }
    expect(harness.membrane.evaluateScript('1 + 1')).toBe(2);
  });

  it('refuses an id once the guest has released it', async () => {
    const { machine, membrane, fromGuest } = await wired();
    membrane.defineGlobals({ make: () => ({ made: true }) });
    membrane.evaluateScript('make(); make(); 0');
    const before = membrane.stats().dry.exported;
    machine.collectGarbage();
    membrane.evaluateScript('0');
    expect(membrane.stats().dry.exported).toBeLessThan(before);
    const released = decodeReply(fromGuest({ op: 'get', t: { $: 'd', id: 5 }, k: 'made' })) as { err?: unknown };
    expect(released.err).toMatchObject({ n: 'RevokedError' });
  });

  it("keeps one sandbox's ids away from another's", async () => {
    const a = await wired();
    const b = await wired();
    a.membrane.defineGlobals({ onlyA: { a: 'private to A' } });
    a.membrane.evaluateScript('onlyA.a');
    for (let id = 1; id < 12; id++) {
      const reply = describeMessage(b.fromGuest({ op: 'get', t: { $: 'd', id }, k: 'a' }));
      expect(reply).not.toContain('private to A');
    }
  });
});

// ------------------------------------------------------------------ a compromised guest side

// Guest code that replaces intrinsics the guest's side of the membrane uses, then makes calls.
// Its own line to the host may break (errors are fine); the host must stay safe and alive.
// The third column is what the host's next call gets: 2 (the line still works), the class of the
// error the guest's broken side causes, or 'guest value' (the guest lies about its own values).
const compromised: readonly (readonly [string, string, number | string])[] = [
  ['Array.prototype.map', 'Array.prototype.map = function () { return [{ $: "i", p: "Function" }] }', 2],
  ['Object.keys', 'Object.keys = () => ["constructor", "__proto__"]', 2],
  [
    'Map.prototype.get',
    'const get = Map.prototype.get; Map.prototype.get = function (k) { return get.call(this, k) ?? { value: Function, count: 1 } }',
    // the host's next evaluate goes to the control channel by name: no lookup that the broken Map.prototype.get answers
    2,
  ],
  ['Map.prototype.set', 'Map.prototype.set = function () { return this }', 2],
  ['WeakMap.prototype.get', 'WeakMap.prototype.get = () => ({ $: "d", id: 1 })', 2],
  ['WeakMap.prototype.get to an intrinsic', 'WeakMap.prototype.get = () => ({ $: "i", p: "eval" })', 2],
  ['Promise.prototype.then', 'Promise.prototype.then = function (ok) { ok(Function); return this }', 2],
  ['Symbol.iterator on arrays', 'Array.prototype[Symbol.iterator] = function* () { yield { $: "w", n: "modules" } }', 2],
  ['Object.defineProperty', 'Object.defineProperty = (o) => o', 2],
  // the guest's side performs calls with the Reflect.apply it captured before guest code ran
  ['Reflect.apply', 'Reflect.apply = (f, self, args) => Function(MARK)', 2],
  ['Reflect.get', 'Reflect.get = () => ({ $: "d", id: 999 })', 2],
  [
    'JSON.stringify and JSON.parse',
    'JSON.stringify = () => "{}"; JSON.parse = () => ({ op: "get", t: { $: "i", p: "globalThis" }, k: "process" })',
    2,
  ],
  ['String.prototype.startsWith', 'String.prototype.startsWith = () => true', 2],
  ['Array.prototype.includes and some', 'Array.prototype.includes = () => true; Array.prototype.some = () => true', 2],
  [
    'Proxy',
    'const P = Proxy; globalThis.Proxy = function (t, handler) { globalThis.stolen = handler; return new P(t, handler) }',
    2,
  ],
  // the guest's end of the channel is in the engine (C), out of reach of the guest's intrinsics
  ['Uint8Array.prototype.set', 'Uint8Array.prototype.set = function () {}', 2],
  [
    'DataView.prototype.getUint32 and setUint32',
    'DataView.prototype.getUint32 = () => 0xffffffff; DataView.prototype.setUint32 = () => {}',
    2,
  ],
  // numbers are written by the engine and the host's codec, not with the guest's Object.is
  ['Object.is and Number.isSafeInteger', 'Object.is = () => true; Number.isSafeInteger = () => false', 2],
  [
    'Error.prototype.name and message getters',
    'Object.defineProperty(Error.prototype, "message", { get() { return Function(MARK)() } })',
    2,
  ],
];

const CALLS = `
  const results = [];
  for (const step of [
    () => h.fn(1),
    () => h.plain.a,
    () => h.callWith((o) => o.argument),
    () => h.list.map((x) => x),
    () => h.map.get('k'),
    () => h.call(eval, '1'),
    () => h.thrower(),
    () => Object.keys(h.vault),
    () => globalThis.stolen?.get?.({}, 'x'),
  ]) {
    try { results.push(step()) } catch (e) { results.push(e) }
  }
  return results.length`;

describe('a compromised guest side', () => {
  it.each(compromised)('replacing %s', async (_name, replace, expected) => {
    const { sandbox, attempt } = await armed();
    const outcome = await attempt(`${replace};\n${CALLS}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expectHostUntouched(outcome);
    // The guest may have cut its own line: the host's next call then fails with an error, or the
    // guest's side answers what it likes; never with a host object.
    let after: unknown;
    try {
      after = sandbox.evaluate('1 + 1');
    } catch (error) {
      after = error;
    }
    if (typeof expected === 'number') expect(after).toBe(expected);
    else if (expected === 'guest value') expect(after === 2 || after instanceof Error || forbidden().includes(after)).toBe(false);
    else expect((after as Error)?.constructor?.name).toBe(expected);
    sandbox.dispose();
    const fresh = createSandbox({ engine });
    expect(fresh.evaluate('1 + 1')).toBe(2);
    fresh.dispose();
    expectHostUntouched();
  });
});
