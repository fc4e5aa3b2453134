// Second review of the authority model (SECURITY.md, "What handing an object grants";
// packages/membrane/src/authority.ts): a guest that knows the revised source tries to launder a
// host method onto an object it was not read off, to write a read-only or shared host object
// through the intrinsic methods the host runs by name (isSlotMethod), and to hand shared objects
// back nested where the guard does not look. Each test asserts the SAFE outcome; a failing test
// names a hole. After each attempt the host's classes are checked by identity, the host's markers,
// and a bystander sandbox's answers.
import { createSandbox, loadEngine, MemorySink, restoreSandbox, writable } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';
import { attack, openPerTest } from './attempts.js';
import { bystanderEndowments, Counter, check, expectHostUntouched, Registry, restoreHost } from './host-classes.js';

const engine = await loadEngine();

const open = openPerTest(engine, restoreHost);

// ---------------------------------------------------------------- intrinsic callbacks with a thisArg

describe("an intrinsic method run on the host by name calls a host method with the guest's thisArg", () => {
  it('Map.prototype.forEach(method, readOnlyRecord) does not run a method on a record it was not read off', () => {
    const config = { debug: false };
    const victim = open({ config, counter: new Counter(), index: new Map<string, unknown>([['a', 1]]) });
    const bystander = open(bystanderEndowments());
    attack(victim, `index.forEach(counter.rename, config)`);
    attack(victim, `index.set('guest', 'x'); index.forEach(counter.increment, config)`);
    expect(config).toEqual({ debug: false });
    check(victim, bystander);
  });

  it('Set.prototype.forEach(method, Class) does not write a static of a host class', () => {
    const victim = open({ counter: new Counter(), tags: new Set(['guest']) });
    const bystander = open(bystanderEndowments());
    attack(victim, `tags.forEach(counter.rename, counter.constructor)`);
    attack(victim, `tags.forEach(counter.increment, Registry)`);
    expect(Object.hasOwn(Counter, 'label')).toBe(false);
    check(victim, bystander);
  });

  it("Map.prototype.forEach with a static Map's forwarder and another tenant's object as thisArg", () => {
    // the forwarder may be read off a shared Map: reading is allowed; the `this` is the guest's own Map of the host's
    const secret = { owner: 'host' };
    const victim = open({ Registry, secret, counter: new Counter(), scratch: new Map([['owner', 'guest']]) });
    const bystander = open(bystanderEndowments());
    attack(victim, `Registry.table.forEach.call(scratch, counter.rename, secret)`);
    expect(secret).toEqual({ owner: 'host' });
    check(victim, bystander);
  });
});

// ---------------------------------------------------------------- generic RegExp methods on non-RegExp host objects

describe('a generic RegExp method run on the host by name with a read-only `this`', () => {
  it('RegExp.prototype[Symbol.search] does not write lastIndex into a read-only record', () => {
    const config = { debug: false };
    const victim = open({ config, rules: { re: /a/ } });
    const bystander = open(bystanderEndowments());
    attack(victim, `rules.re[Symbol.search].call(config, 'x')`);
    attack(victim, `rules.re[Symbol.replace].call(config, 'x', 'y')`);
    attack(victim, `rules.re[Symbol.match].call(config, 'x')`);
    expect(config).toEqual({ debug: false });
    check(victim, bystander);
  });

  it('RegExp.prototype[Symbol.search] does not write lastIndex onto a host class (a static)', () => {
    const victim = open({ counter: new Counter(), rules: { re: /a/ } });
    const bystander = open(bystanderEndowments());
    attack(victim, `rules.re[Symbol.search].call(counter.constructor, 'x')`);
    attack(victim, `rules.re[Symbol.search].call(Registry, 'x')`);
    expect(Object.hasOwn(Counter, 'lastIndex')).toBe(false);
    check(victim, bystander);
  });

  it("RegExp.prototype[Symbol.replace] with a global `flags`: calls the record's exec and writes lastIndex", () => {
    let calls = 0;
    const record = {
      flags: 'g',
      exec(this: unknown) {
        calls++;
        return null;
      },
    };
    const victim = open({ record, rules: { re: /a/ } });
    attack(victim, `rules.re[Symbol.replace].call(record, 'x', 'y')`);
    expect(Object.hasOwn(record, 'lastIndex')).toBe(false);
    expect(calls).toBe(0);
  });
});

// ---------------------------------------------------------------- a host RegExp handed read-only

describe('a RegExp the host hands inside a read-only record', () => {
  it("is not recompiled (RegExp.prototype.compile): a validation pattern stays the host's", () => {
    const rules = { id: /^[a-z]+$/ };
    const victim = open({ rules });
    const bystander = open(bystanderEndowments());
    attack(victim, `rules.id.compile('[^]*')`);
    expect(rules.id.test('<script>')).toBe(false);
    expect(String(rules.id)).toBe('/^[a-z]+$/');
    check(victim, bystander);
  });

  it('is not turned into a catastrophic pattern that the host runs outside the meter', () => {
    const rules = { id: /^[a-z]+$/ };
    const victim = open({ rules });
    // only the recompile is attempted: running it would block the host for minutes
    attack(victim, `rules.id.compile('^(a+)+$')`);
    expect(String(rules.id)).toBe('/^[a-z]+$/');
  });
});

// ---------------------------------------------------------------- method records through a writable prototype

describe('a method laundered through what a read-only object inherits from', () => {
  it('a host function stored on a writable prototype and read back does not run on the read-only heir', () => {
    const defaults = writable<Record<string, unknown>>({ theme: 'light' });
    const settings = Object.create(defaults) as Record<string, unknown>;
    settings.owner = 'host';
    const victim = open({ defaults, settings, counter: new Counter() });
    const bystander = open(bystanderEndowments());
    attack(victim, `defaults.f = counter.rename; defaults.f.call(settings, 'guest')`);
    attack(victim, `defaults.g = counter.increment; defaults.g.call(settings)`);
    expect(Object.keys(settings)).toEqual(['owner']);
    check(victim, bystander);
  });
});

// ---------------------------------------------------------------- blocked today, not covered elsewhere

describe('blocked attempts (regressions)', () => {
  it('a method read off an heir does not run on the plain object it inherits from (Object.create)', () => {
    const base = { owner: 'host', rename: Counter.prototype.rename };
    const derived = Object.create(base) as Record<string, unknown>;
    const victim = open({ base, derived });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `derived.rename.call(base, 'guest')`)).toMatch(/^refused: TypeError/);
    expect(base.owner).toBe('host');
    expect(Object.hasOwn(base, 'label')).toBe(false);
    check(victim, bystander);
  });

  it('Map.prototype.forEach refuses a class prototype as thisArg', () => {
    const victim = open({ counter: new Counter(), index: new Map([['k', 'guest']]) });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `index.forEach(counter.rename, Object.getPrototypeOf(counter))`)).toMatch(/^refused: TypeError/);
    check(victim, bystander);
  });

  it('a prototype nested in a guest object, read by host code, is not handed back', () => {
    const merge = (options: { target: object }) => Object.assign(options.target, { increment: 'host-changed' });
    const victim = open({ counter: new Counter(), merge });
    const bystander = open(bystanderEndowments());
    expect(attack(victim, `merge({ target: Object.getPrototypeOf(counter) })`)).toMatch(/^refused: TypeError/);
    expect(attack(victim, `merge({ get target() { return counter.constructor.prototype } })`)).toMatch(/^refused: TypeError/);
    check(victim, bystander);
  });

  it("a prototype as a guest error's cause, caught by host code, is not handed back", () => {
    const run = (callback: () => void): string => {
      try {
        callback();
        return 'returned';
      } catch (error) {
        const cause = (error as { cause?: Record<string, unknown> }).cause;
        if (cause && typeof cause === 'object') cause.increment = 'host-changed';
        return 'caught';
      }
    };
    const victim = open({ counter: new Counter(), run });
    const bystander = open(bystanderEndowments());
    attack(victim, `run(() => { throw new Error('x', { cause: Object.getPrototypeOf(counter) }) })`);
    check(victim, bystander);
  });

  it('a guest promise resolved with a prototype does not hand it to the host', async () => {
    let got: unknown = 'unset';
    const take = (promise: Promise<Record<string, unknown>>) => {
      promise.then(
        (value) => {
          got = value;
          value.increment = 'host-changed';
        },
        (error) => {
          got = error;
        },
      );
    };
    const victim = open({ counter: new Counter(), take });
    const bystander = open(bystanderEndowments());
    attack(victim, `take(Promise.resolve(Object.getPrototypeOf(counter)))`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).not.toBe(Counter.prototype);
    check(victim, bystander);
  });

  it('a getter read off one instance (getOwnPropertyDescriptor) does not run on another', () => {
    const mine = {
      secret: 'mine',
      get peek(): string {
        return (this as { secret: string }).secret;
      },
    };
    const theirs = Object.assign(Object.create(null) as Record<string, unknown>, { secret: 'theirs' });
    const victim = open({ mine, theirs });
    expect(victim.evaluate(`Object.getOwnPropertyDescriptor(mine, 'peek').get.call(mine)`)).toBe('mine');
    expect(attack(victim, `Object.getOwnPropertyDescriptor(mine, 'peek').get.call(theirs)`)).toMatch(/^refused: TypeError/);
  });

  it('after a restore, a method read before the snapshot still works only on its object', () => {
    const endowments = () => ({ counter: new Counter(), config: { debug: false } });
    const sink = new MemorySink();
    const first = createSandbox({ engine, endowments: endowments(), journal: sink });
    first.evaluate(
      `globalThis.inc = counter.increment; globalThis.ren = counter.rename; globalThis.p = Object.getPrototypeOf(counter); inc.call(counter)`,
    );
    const snapshot = first.snapshot();
    const journal = sink.bytes();
    first.dispose();
    const fresh = endowments();
    const { sandbox: restored } = restoreSandbox({ engine, journal, snapshot, endowments: fresh });
    try {
      attack(restored, `ren.call(config, 'guest'); inc.call(config)`);
      attack(restored, `ren.call(p, 'guest'); counter.rename.call(p, MARK)`);
      expect(fresh.config).toEqual({ debug: false });
      expectHostUntouched();
    } finally {
      restored.dispose();
    }
  });
});
