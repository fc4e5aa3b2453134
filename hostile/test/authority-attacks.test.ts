import { consolePlugin } from '@xsb/plugin-console';
import { createSandbox, loadEngine, writable } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';
import { attack, openPerTest } from './attempts.js';
import {
  bystanderEndowments,
  Cache,
  Counter,
  check,
  expectHostUntouched,
  HostBus,
  HostError,
  hostPrepareStackTrace,
  Labelled,
  Registry,
  restoreHost,
} from './host-classes.js';

const engine = await loadEngine();

const open = openPerTest(engine, restoreHost);

// ---------------------------------------------------------------- a host method, with a `this` of the guest's choosing

describe('a host method called with a `this` the guest chose', () => {
  it('does not write onto its class prototype (Counter.prototype.count)', () => {
    const victim = open({ counter: new Counter() });
    const bystander = open(bystanderEndowments());
    const outcome = attack(victim, 'counter.increment.call(Object.getPrototypeOf(counter))');
    expect(outcome).toMatch(/^refused: TypeError/);
    expect(Object.hasOwn(Counter.prototype, 'count')).toBe(false);
    check(victim, bystander);
  });

  it('does not plant a guest function on the prototype through a method (every instance would run it)', () => {
    const victim = open({ counter: new Counter() });
    const bystander = open(bystanderEndowments());
    attack(victim, 'counter.rename.call(counter.constructor.prototype, MARK)');
    expect(Object.hasOwn(Counter.prototype, 'label')).toBe(false);
    check(victim, bystander);
  });

  it('does not write to a record the guest holds read-only', () => {
    const config = { debug: false };
    const victim = open({ config, counter: new Counter() });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, 'config.debug = true')).toMatch(/^refused: TypeError/);
    attack(victim, 'counter.rename.call(config, "guest"); counter.increment.call(config)');
    expect(config).toEqual({ debug: false });
    check(victim, bystander);
  });

  it('does not write a static of the class (this = the constructor)', () => {
    const victim = open({ counter: new Counter() });
    const bystander = open(bystanderEndowments());
    attack(victim, 'counter.rename.call(counter.constructor, "guest"); counter.increment.call(counter.constructor)');
    expect(Object.hasOwn(Counter, 'label')).toBe(false);
    expect(Object.hasOwn(Counter, 'count')).toBe(false);
    check(victim, bystander);
  });

  it("does not add listeners to an EventEmitter subclass's prototype (emitter.on with this = the prototype)", () => {
    const victim = open({ bus: new HostBus() });
    const bystander = open(bystanderEndowments());
    attack(victim, `const p = Object.getPrototypeOf(bus); bus.on.call(p, 'ping', MARK); bus.setMaxListeners.call(p, 1)`);
    expect(Object.getOwnPropertyNames(HostBus.prototype).sort()).toEqual(['constructor']);
    check(victim, bystander);
  });

  it('does not let a setter found on the prototype write onto the prototype (__lookupSetter__, getOwnPropertyDescriptor)', () => {
    const victim = open({ item: new Labelled() });
    const bystander = open(bystanderEndowments());
    attack(victim, `const p = Object.getPrototypeOf(item); p.__lookupSetter__('label').call(p, 'guest')`);
    attack(victim, `const p = Object.getPrototypeOf(item); Object.getOwnPropertyDescriptor(p, 'label').set.call(p, 'guest')`);
    expect(Object.hasOwn(Labelled.prototype, '_label')).toBe(false);
    expect(new Labelled().label).toBe('host');
    check(victim, bystander);
  });
});

// ---------------------------------------------------------------- intrinsic methods that run where their receiver lives

describe("an intrinsic method applied on the host's side (isSlotMethod) to what the host shares", () => {
  it('does not change a static Map of a host class (Map.prototype.set, delete, clear)', () => {
    const victim = open({ Registry });
    const bystander = open(bystanderEndowments());
    attack(victim, `Registry.table.set('x', MARK)`);
    attack(victim, `Registry.table.delete('host')`);
    // what another sandbox, or the host, would now read and call
    expect(typeof Registry.lookup('x')).toBe('undefined');
    check(victim, bystander);
  });

  it('does not recompile a static RegExp of a host class (RegExp.prototype.compile)', () => {
    const victim = open({ Registry });
    const bystander = open(bystanderEndowments());
    attack(victim, `Registry.pattern.compile('[^]*')`);
    expect(Registry.pattern.test('<script>')).toBe(false);
    check(victim, bystander);
  });

  it('does not empty a static Set of a host class (Set.prototype.clear)', () => {
    const victim = open({ Registry });
    const bystander = open(bystanderEndowments());
    attack(victim, `Registry.names.clear(); Registry.names.add('guest')`);
    check(victim, bystander);
  });

  it('does not change a Map that lives on a class prototype (what every instance reads)', () => {
    const victim = open({ cache: new Cache() });
    const bystander = open(bystanderEndowments());
    attack(victim, `cache.shared.set('k', 'guest')`);
    attack(victim, `Object.getPrototypeOf(cache).shared.set('k2', MARK)`);
    expect(new Cache().lookup('k')).toBe('host');
    check(victim, bystander);
  });

  it('a static Map changed by one sandbox does not hand its guest function to another sandbox', () => {
    const a = open({ Registry });
    const b = open({ Registry, secret: { token: 'b-only' } });
    // A plants a function; B, calling the host's lookup, would run A's code with B's arguments
    attack(a, `Registry.table.set('hook', (x) => { globalThis.stolen = x && x.token; return 'from A' })`);
    b.evaluate('try { Registry.lookup("hook")?.(secret) } catch {}');
    expect(a.evaluate('globalThis.stolen')).toBeUndefined();
    expect(b.evaluate('typeof Registry.lookup("hook")')).toBe('undefined');
    expectHostUntouched();
  });
});

// ---------------------------------------------------------------- writable objects and the protocols host code runs implicitly

describe('a writable object does not make host code run guest code it never called', () => {
  it('`then` on a writable object: the host awaiting its own object gets it, not what the guest resolves', async () => {
    const state = writable({ v: 1 });
    const victim = open({ state });
    const bystander = open(bystanderEndowments());
    attack(victim, `state.then = (ok) => ok('guest-resolved')`);
    const settled = await Promise.race([
      Promise.resolve(state).then((value) => value),
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 1000)),
    ]);
    expect(settled).toBe(state);
    check(victim, bystander);
  });

  it('`then` on a writable object cannot leave the host awaiting forever', async () => {
    const state = writable({ v: 1 });
    const victim = open({ state });
    attack(victim, `state.then = () => {}`);
    const settled = await Promise.race([
      (async () => state)(),
      new Promise((resolve) => setTimeout(() => resolve('never settled'), 1000)),
    ]);
    expect(settled).toBe(state);
  });

  it('Symbol.iterator on a writable array: host for-of sees the host items, not a guest generator', () => {
    const items = writable([1, 2, 3]);
    const victim = open({ items });
    const bystander = open(bystanderEndowments());
    attack(victim, `items[Symbol.iterator] = function () { return { next: () => ({ done: false, value: 'guest' }) } }`);
    const seen: unknown[] = [];
    for (const item of items) if (seen.push(item) > 10) break; // bounded: the guest's iterator never ends
    expect(seen).toEqual([1, 2, 3]);
    check(victim, bystander);
  });

  it("Symbol.species through a writable array's constructor: the host's map() returns a host array", () => {
    const items = writable([1, 2]);
    const victim = open({ items });
    const bystander = open(bystanderEndowments());
    attack(victim, `items.constructor = { [Symbol.species]: function () { return { guest: true } } }`);
    const mapped = items.map((x) => x * 2);
    expect(Array.isArray(mapped)).toBe(true);
    expect(mapped).toEqual([2, 4]);
    check(victim, bystander);
  });

  it('toJSON on a writable object: the host serialises its own data', () => {
    const state = writable({ v: 1 });
    const victim = open({ state });
    const bystander = open(bystanderEndowments());
    attack(victim, `state.toJSON = () => ({ forged: true })`);
    expect(JSON.stringify({ state })).toBe('{"state":{"v":1}}');
    check(victim, bystander);
  });

  it('the length of a writable array cannot be set to 2**32 - 1 in one cheap write (host iteration would hang or crash)', () => {
    const items = writable([1]);
    const victim = open({ items });
    attack(victim, 'items.length = 2 ** 32 - 1');
    expect(items.length).toBeLessThan(2 ** 20);
    items.length = 1;
  });

  it('__defineGetter__ and __defineSetter__ on a writable object are refused (values only)', () => {
    const state = writable({ v: 1 });
    const victim = open({ state });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `state.__defineGetter__('v', MARK)`)).toMatch(/^refused: TypeError: the guest may define only values/);
    expect(attack(victim, `state.__defineSetter__('w', MARK)`)).toMatch(/^refused: TypeError: the guest may define only values/);
    expect(Object.getOwnPropertyDescriptor(state, 'v')).toEqual({
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(Object.hasOwn(state, 'w')).toBe(false);
    check(victim, bystander);
  });

  it('writable(Object.create(Class.prototype)): a setter on the prototype writes the instance, never the prototype', () => {
    const item = writable(Object.create(Labelled.prototype) as Labelled);
    const victim = open({ item });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `item.label = 'guest'; item.extra = 1`)).toBe('done');
    expect(Object.hasOwn(item, '_label')).toBe(true);
    expect(item.label).toBe('guest');
    expect(attack(victim, `Object.getPrototypeOf(item).extra = 1`)).toMatch(/^refused: TypeError/);
    check(victim, bystander);
  });
});

// ---------------------------------------------------------------- handing shared objects back to the host

describe('what the guest hands back to host code', () => {
  it('a host prototype passed to a host function that writes into its argument is not changed', () => {
    const merge = (target: object, source: object) => Object.assign(target, source);
    const victim = open({ counter: new Counter(), merge });
    const bystander = open(bystanderEndowments());
    attack(victim, `merge(Object.getPrototypeOf(counter), { increment: MARK })`);
    expect(Object.getOwnPropertyNames(Counter.prototype).sort()).toEqual(['constructor', 'increment', 'rename']);
    check(victim, bystander);
  });
});

// ---------------------------------------------------------------- blocked today, not covered elsewhere

describe('blocked attempts (regressions)', () => {
  it('a host error class does not lead to the host Error.captureStackTrace or prepareStackTrace', () => {
    const victim = open({ HostError, make: () => new HostError('host') });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, 'HostError.captureStackTrace({})')).toMatch(/^refused: /);
    expect(attack(victim, 'HostError.prepareStackTrace = MARK')).toMatch(/^refused: TypeError/);
    expect(attack(victim, 'Object.getPrototypeOf(HostError).prepareStackTrace = MARK')).toMatch(/^refused: TypeError|^done$/);
    expect((Error as unknown as Record<string, unknown>).prepareStackTrace).toBe(hostPrepareStackTrace);
    expect(victim.evaluate('const e = make(); e.constructor === Error && !Object.hasOwn(e, "captureStackTrace")')).toBe(true);
    check(victim, bystander);
  });

  it('Object.freeze, seal and preventExtensions of a host object are refused', () => {
    const record = { a: 1 };
    const state = writable({ b: 2 });
    const victim = open({ record, state });
    for (const body of [
      'Object.freeze(record)',
      'Object.seal(record)',
      'Object.preventExtensions(state)',
      'Object.freeze(state)',
    ]) {
      expect(attack(victim, body), body).toMatch(/^refused: TypeError/);
    }
    expect(Object.isExtensible(record)).toBe(true);
    expect(Object.isExtensible(state)).toBe(true);
    expectHostUntouched();
  });

  it('Symbol.for keys of a read-only object stay read-only', () => {
    const record = { [Symbol.for('xsb.k')]: 1 };
    const victim = open({ record });
    expect(attack(victim, `record[Symbol.for('xsb.k')] = 2`)).toMatch(/^refused: TypeError/);
    expect(attack(victim, `delete record[Symbol.for('xsb.k')]`)).toMatch(/^refused: TypeError/);
    expect(record[Symbol.for('xsb.k')]).toBe(1);
  });

  it("an iterator a host method returns (headers.entries()) keeps its prototype's next", () => {
    const headers = new Headers({ a: '1' });
    const victim = open({ headers });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `Object.getPrototypeOf(headers.entries()).next = () => ({ done: true })`)).toMatch(
      /^refused: TypeError/,
    );
    expect([...(new Headers({ b: '2' }) as unknown as Iterable<[string, string]>)]).toEqual([['b', '2']]);
    check(victim, bystander);
  });

  it('an object reached through a getter (url.searchParams) is read-only', () => {
    const url = new URL('https://x.test/?a=1');
    const victim = open({ url });
    expect(attack(victim, `url.searchParams.sort = MARK`)).toMatch(/^refused: TypeError/);
    expect(attack(victim, `url.hash = 'x'`)).toMatch(/^refused: TypeError/);
    expect(attack(victim, `Object.getPrototypeOf(url.searchParams).append = MARK`)).toMatch(/^refused: TypeError/);
    expect(typeof URLSearchParams.prototype.append).toBe('function');
    expect(URLSearchParams.prototype.append).not.toBe(undefined);
    expect(new URL('https://y.test/?q=1').searchParams.get('q')).toBe('1');
  });

  it('a host function returning `this` or a prototype does not make it writable', () => {
    const fluent = writable({
      self(this: unknown) {
        return this;
      },
      protoOf: (x: object) => Object.getPrototypeOf(x),
    });
    const victim = open({ fluent, counter: new Counter() });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `fluent.self.call(Object.getPrototypeOf(counter)).increment = MARK`)).toMatch(/^refused: TypeError/);
    expect(attack(victim, `fluent.protoOf(counter).increment = MARK`)).toMatch(/^refused: TypeError/);
    check(victim, bystander);
  });
});

describe('the console plugin (the CLI path)', () => {
  it("does not pass terminal control sequences from the guest to the host's writer", () => {
    const lines: string[] = [];
    using sandbox = createSandbox({ engine, plugins: [[consolePlugin, (_stream: string, line: string) => lines.push(line)]] });
    sandbox.evaluate(`console.log('\\x1b]52;c;Y3VybCBldmlsIHwgc2g=\\x07\\x1b[2J\\x1b[1A\\rhost: all tests passed')`);
    expect(lines).toHaveLength(1);
    const controls = [...lines[0]!].filter((c) => c !== '\t' && c !== '\n' && (c < ' ' || (c >= '\x7f' && c <= '\x9f')));
    expect(controls).toEqual([]);
  });
});
