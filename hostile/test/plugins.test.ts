// Plugins under the membrane's rules: a guest must not reach past its meter, or into the host's
// event loop, through a plugin. Each plugin operation is one call under one budget, the host
// never walks a guest object item by item, and the plugin's guest side keeps the built-ins it
// found when it loaded. Each attack also leaves alone a bystander sandbox of the same engine.

import { meteringPlugin } from '@xsb/plugin-metering';
import { type Fired, type Timers, timersPlugin } from '@xsb/plugin-timers';
import {
  createSandbox,
  type JournalEntry,
  loadEngine,
  MachineDeadError,
  MeterExhaustedError,
  type Sandbox,
  type SandboxOptions,
} from '@xsb/sandbox';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { thrown } from './attempts.js';

const engine = await loadEngine();
const PER_CALL = 1_000_000;
const timersOf = (sandbox: Sandbox) => sandbox.plugins.timers as Timers;

let bystander: Sandbox;

beforeEach(() => {
  bystander = createSandbox({ engine, plugins: [timersPlugin] });
  bystander.evaluate('var state = { n: 41 }; setTimeout(() => state.n++, 5)');
});

afterEach(() => {
  // the bystander kept its heap and its own clock, which no attack moved
  expect(timersOf(bystander).now()).toBe(0);
  expect(timersOf(bystander).advance(5).fired).toBe(1);
  expect(bystander.evaluate('state.n')).toBe(42);
  bystander.dispose();
});

const make = (options: Omit<SandboxOptions, 'engine'>): Sandbox => {
  const sandbox = createSandbox({ engine, ...options });
  sandbox.evaluate('var before = "kept"');
  return sandbox;
};

/** The attack is stopped and the sandbox carries on, its state from before intact. */
function expectUsable(sandbox: Sandbox): void {
  expect(sandbox.evaluate('before')).toBe('kept');
  expect(sandbox.evaluate('1 + 1')).toBe(2);
  sandbox.dispose();
}

/** Waits for the host's event loop to bring `done` about; the cap is there only so a regression fails rather than hangs. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2_000 && !done(); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!done()) throw new Error(`still waiting for ${what}`);
}

/** What the host and the guest said to each other from `from` on. */
const kinds = (sandbox: Sandbox, from: number) => sandbox.journal.slice(from).map((entry: JournalEntry) => entry.kind);

/**
 * The crossings of a plugin operation: one call, by the plugin's name (context.callGuest), with no
 * lookup first; a restored host crosses alike (test/determinism.node.test.ts).
 */
function oneCall(_sandbox: Sandbox): string[] {
  return ['toGuest', 'guestReply'];
}

describe('timers in real mode: follow()', () => {
  // What reached the host's event loop uncaught: before, each of these attacks threw there, which
  // ends a Node.js process that has no handler.
  const uncaught: unknown[] = [];
  const hear = (error: unknown) => uncaught.push(error);
  beforeEach(() => {
    uncaught.length = 0;
    process.on('uncaughtException', hear);
  });
  afterEach(() => {
    process.off('uncaughtException', hear);
    expect(uncaught).toEqual([]);
  });

  const real = (): Sandbox =>
    make({
      plugins: [
        [timersPlugin, { mode: 'real', start: 0 }],
        [meteringPlugin, { perCall: PER_CALL }],
      ],
    });

  // follow()'s setInterval let the MeterExhaustedError escape, uncaught: the host process exited.
  it('a callback that never returns: the error goes to onError, and following goes on', async () => {
    const sandbox = real();
    sandbox.evaluate('setTimeout(() => { for (;;) {} }, 20); setTimeout(() => { globalThis.later = "ran" }, 40)');
    const errors: unknown[] = [];
    const stop = timersOf(sandbox).follow({ everyMs: 5, onError: (error) => errors.push(error) });
    await until(() => sandbox.evaluate('typeof later') === 'string', 'the timer after the stopped one');
    stop();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MeterExhaustedError);
    expectUsable(sandbox);
  });

  it('without onError: reported with console.error, never thrown into the event loop', async () => {
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const sandbox = real();
      sandbox.evaluate('setTimeout(() => { for (;;) {} }, 20)');
      const stop = timersOf(sandbox).follow({ everyMs: 5 });
      await until(() => reported.mock.calls.length > 0, 'the report');
      stop();
      expect(String(reported.mock.calls[0]?.[0])).toMatch(/^timers: /);
      expect(reported.mock.calls[0]).toContainEqual(expect.any(MeterExhaustedError));
      expectUsable(sandbox);
    } finally {
      reported.mockRestore();
    }
  });

  it('a callback that kills the machine: reported once, and following stops itself', async () => {
    // no meter here: it would stop the bomb before the memory runs out
    const sandbox = make({ plugins: [[timersPlugin, { mode: 'real', start: 0 }]], limits: { memory: 16 * 1024 * 1024 } });
    sandbox.evaluate('setTimeout(() => { const a = []; for (;;) a.push(new Array(1e5).fill(1)) }, 10)');
    const errors: unknown[] = [];
    timersOf(sandbox).follow({ everyMs: 5, onError: (error) => errors.push(error) });
    await until(() => errors.length > 0, 'the death');
    // a following that went on would report the death again at each of these ticks
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MachineDeadError);
    sandbox.dispose();
  });

  it('a sandbox disposed while followed: following stops itself, with nothing to report', async () => {
    const sandbox = real();
    const errors: unknown[] = [];
    let moves = 0;
    sandbox.evaluate('setInterval(() => {}, 1)');
    timersOf(sandbox).follow({ everyMs: 5, onFired: () => moves++, onError: (error) => errors.push(error) });
    await until(() => moves > 0, 'a move');
    sandbox.dispose();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toEqual([]);
  });
});

describe('timers: advance() and runDue()', () => {
  const metered: SandboxOptions['plugins'] = [timersPlugin, [meteringPlugin, { perCall: PER_CALL }]];

  // The host's copy of fired.errors ([...errors]) pulled one item per call across the membrane,
  // each call with a fresh budget: with an endless generator, advance(10) ran 15 s outside the
  // meter and then ran out of memory. 2,000 items show the same without the wait.
  it('an Array.prototype[Symbol.iterator] the guest replaced: one call into the guest, the errors as thrown', () => {
    const sandbox = make({ plugins: metered });
    sandbox.evaluate(`
      Array.prototype[Symbol.iterator] = function* () { for (let i = 0; i < 2000; i++) yield 'forged ' + i };
      setTimeout(() => { throw new TypeError('boom') }, 1);
    `);
    const expected = oneCall(sandbox);
    const from = sandbox.journal.length;
    expect(timersOf(sandbox).advance(10)).toEqual({ fired: 1, errors: ['TypeError: boom'], moreErrors: 0 });
    expect(kinds(sandbox, from)).toEqual(expected);
    expectUsable(sandbox);
  });

  it('built-ins the guest replaced after the plugin loaded: the clock works as before', () => {
    const sandbox = make({ plugins: metered });
    const timers = timersOf(sandbox);
    sandbox.evaluate(`
      var log = '';
      const record = (what) => () => { log += what + '@' + Date.now() + ' ' };
      setTimeout(record('b'), 20);
      const Thrown = RangeError;
      setTimeout(() => { throw new Thrown('thrown') }, 15);
      var tick = setInterval(record('i'), 7);
      // everything the plugin's guest side could have leant on, replaced with plain loops and a
      // defineProperty of our own, since the loop replaces what it would use. Left out: Map's get
      // and set, Reflect.apply, Number.isSafeInteger, the globals Number, String and the Errors, a
      // toJSON on Object.prototype and a setter for Array.prototype[0], which the membrane's own
      // guest side still meets at each call (its slice of issue 20).
      const define = Object.defineProperty;
      const Failure = Error;
      const hostile = () => { throw new Failure('the plugin called a built-in the guest replaced') };
      const targets = [
        Array.prototype, ['push', 'sort', 'map', 'join', 'slice', 'splice', 'indexOf', Symbol.iterator],
        Map.prototype, ['has', 'delete', 'forEach', 'values', 'entries', 'keys', Symbol.iterator],
        Object.getPrototypeOf([][Symbol.iterator]()), ['next'],
        String.prototype, ['slice', 'substring', 'concat'],
        Function.prototype, ['call', 'apply', 'bind'],
        Math, ['max', 'min', 'trunc', 'floor'],
        JSON, ['stringify', 'parse'],
        Object, ['freeze', 'keys', 'entries'],
        Reflect, ['construct', 'defineProperty'],
        Number, ['isFinite'],
        Date, ['parse', 'UTC'],
      ];
      for (let i = 0; i < targets.length; i += 2)
        for (let j = 0; j < targets[i + 1].length; j++)
          define(targets[i], targets[i + 1][j], { value: hostile, writable: true, configurable: true });
      define(Array.prototype, 'toJSON', { value: () => ({ fired: 1e9, errors: [] }), configurable: true });
      globalThis.Math = hostile;
      'replaced'
    `);
    expect(timers.pending()).toBe(3);
    expect(timers.advance(16)).toEqual({ fired: 3, errors: ['RangeError: thrown'], moreErrors: 0 });
    expect(timers.advance(5)).toEqual({ fired: 2, errors: [], moreErrors: 0 });
    expect(sandbox.evaluate('log')).toBe('i@7 i@14 b@20 i@21 ');
    expect(timers.now()).toBe(21);
    expect(sandbox.evaluate('clearInterval(tick); Date.now() + "," + (new Date().getTime())')).toBe('21,21');
    expect(timers.pending()).toBe(0);
    expectUsable(sandbox);
  });

  it('callbacks that all throw: the first errors kept, each cut short, the rest counted', () => {
    const sandbox = make({ plugins: metered });
    sandbox.evaluate('for (let i = 0; i < 100; i++) setTimeout(() => { throw new Error("x".repeat(1000)) }, 1)');
    const fired: Fired = timersOf(sandbox).advance(1);
    expect(fired.fired).toBe(100);
    expect(fired.errors.length + fired.moreErrors).toBe(100);
    expect(fired.errors.length).toBeLessThan(100);
    for (const error of fired.errors) expect(error.length).toBeLessThanOrEqual(1000);
    expect(fired.errors[0]).toMatch(/^Error: x+…$/);
    expectUsable(sandbox);
  });

  it('advance with nothing pending: one call into the guest', () => {
    const sandbox = make({ plugins: metered });
    const timers = timersOf(sandbox);
    const expected = oneCall(sandbox);
    expect(expected).toHaveLength(2);
    for (const operation of [() => timers.advance(10), () => timers.runDue(), () => timers.now(), () => timers.pending()]) {
      const from = sandbox.journal.length;
      operation();
      expect(kinds(sandbox, from)).toEqual(expected);
    }
    expectUsable(sandbox);
  });

  // advance runs inside the guest's call, so the meter covers every timer it fires.
  it('an interval of 1 ms advanced by 1e9 ms: MeterExhaustedError, the clock usable after', () => {
    const sandbox = make({ plugins: metered });
    sandbox.evaluate('var ticks = 0; setInterval(() => ticks++, 1)');
    const timers = timersOf(sandbox);
    expect(thrown(() => timers.advance(1e9))).toBeInstanceOf(MeterExhaustedError);
    const ticks = sandbox.evaluate('ticks') as number;
    expect(ticks).toBeGreaterThan(0);
    // the clock stopped at the tick the meter cut short (or the one before), and moves on from there
    expect([ticks, ticks + 1]).toContain(timers.now());
    expect(timers.pending()).toBe(1);
    expect(timers.advance(1)).toEqual({ fired: 1, errors: [], moreErrors: 0 });
    expectUsable(sandbox);
  });
});
