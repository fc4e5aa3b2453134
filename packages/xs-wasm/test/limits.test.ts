import { type Engine, GuestError, type Handle, MachineDeadError, MeterExhaustedError } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectHost } from './channel.js';
import { engine } from './engine.js';
import { guestTextPump, textMessage, textReply } from './wire.js';

let xs: Engine;
beforeAll(async () => {
  xs = await engine();
});

describe('the meter', () => {
  it('stops an infinite loop, and the guest can neither catch it nor run finally', () => {
    const m = xs.createMachine({ meter: { limit: 1_000_000 } });
    m.evaluate('var caught = false, cleaned = false;');
    expect(() => m.evaluate('try { for (;;) {} } catch (e) { caught = true } finally { cleaned = true }')).toThrow(
      MeterExhaustedError,
    );
    expect(m.meterUsed).toBeGreaterThanOrEqual(1_000_000);
    expect(m.meterUsed).toBeLessThan(1_000_000 + 2048);
    expect(m.evaluate('[caught, cleaned].join()')).toBe('false,false');
    // the machine carries on, with a fresh budget per call
    expect(m.evaluate('let s = 0; for (let i = 0; i < 1000; i++) s += i; s')).toBe(499500);
    expect(m.meterUsed).toBeLessThan(1_000_000);
    m.dispose();
  });

  it('asks the host before stopping, and the host may extend the budget', () => {
    const asked: number[] = [];
    const m = xs.createMachine({
      meter: { limit: 100_000, onLimit: (used) => (asked.push(used), asked.length < 3 ? used + 100_000 : undefined) },
    });
    expect(m.evaluate('let n = 0; for (let i = 0; i < 2000; i++) n++; n')).toBe(2000);
    expect(asked).toEqual([]);
    expect(() => m.evaluate('for (;;) {}')).toThrow(MeterExhaustedError);
    expect(asked.length).toBe(3);
    expect(m.meterUsed).toBeGreaterThanOrEqual(300_000);
    m.dispose();
  });

  it('counts nested calls toward the outermost call, and unwinds them all when it runs out', () => {
    let hostSawExhaustion = false;
    const m = xs.createMachine({ meter: { limit: 500_000 } });
    const host = connectHost(m, () => {
      try {
        return host.request(textMessage('spin'));
      } catch (error) {
        hostSawExhaustion = error instanceof MeterExhaustedError;
        return textReply(''); // the host swallows it; the guest must still not go on
      }
    });
    m.evaluate('var outerCaught = false;');
    m.connect(
      m.evaluate(
        guestTextPump(`(text) => {
        if (text === 'spin') { for (;;) {} }
        try { send('call the host'); } catch (e) { outerCaught = true; }
        return '';
      }`),
      ) as Handle,
    );
    expect(() => host.ask('start')).toThrow(MeterExhaustedError);
    expect(hostSawExhaustion).toBe(true);
    expect(m.evaluate('outerCaught')).toBe(false);
    m.dispose();
  });

  it('may be changed between calls', () => {
    const m = xs.createMachine();
    expect(m.meterLimit).toBe(0);
    m.meterLimit = 10_000;
    expect(() => m.evaluate('for (;;) {}')).toThrow(MeterExhaustedError);
    m.meterLimit = 0;
    expect(m.evaluate('let k = 0; while (k < 100000) k++; k')).toBe(100000);
    expect(() => {
      m.meterLimit = -1;
    }).toThrow(RangeError);
    m.dispose();
  });
});

describe('memory', () => {
  it('kills a machine that exceeds its memory limit, and nothing else', () => {
    const bystander = xs.createMachine();
    bystander.evaluate('var kept = { value: 42 }');
    const m = xs.createMachine({ memoryLimit: 8 * 1024 * 1024 });
    expect(m.memoryUsed).toBeLessThan(2 * 1024 * 1024);
    const error = (() => {
      try {
        m.evaluate('const hoard = []; for (;;) hoard.push({ a: hoard.length, b: "x" + hoard.length });');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MachineDeadError);
    expect((error as MachineDeadError).reason).toBe('memory-limit');
    expect(m.deathReason).toBe('memory-limit');
    expect(() => m.evaluate('1')).toThrow(MachineDeadError);
    m.dispose();
    expect(bystander.evaluate('kept.value')).toBe(42);
    bystander.dispose();
  });

  it('refuses huge buffers and strings with guest errors', () => {
    const m = xs.createMachine({ memoryLimit: 16 * 1024 * 1024 });
    expect(m.evaluate('try { new ArrayBuffer(3e9); "no" } catch (e) { e.name }')).toBe('RangeError');
    expect(() => m.evaluate('"x".repeat(2 ** 31)')).toThrow(GuestError);
    expect(m.evaluate('1 + 1')).toBe(2);
    m.dispose();
  });
});

describe('the stack', () => {
  it('gives deep JavaScript recursion a guest RangeError, again and again', () => {
    const m = xs.createMachine();
    for (let i = 0; i < 3; i++) {
      expect(
        m.evaluate(
          'var depth = 0; function down() { depth++; down(); } try { down() } catch (e) { e instanceof RangeError && depth > 1000 }',
        ),
      ).toBe(true);
    }
    expect(() => m.evaluate('function again() { again(); } again()')).toThrow(/stack overflow/);
    expect(m.evaluate('depth > 0')).toBe(true);
    m.dispose();
  });

  it('gives deep recursion through native code (callbacks, parsers) a guest RangeError', () => {
    const m = xs.createMachine();
    expect(m.evaluate('function f(n) { return n ? [n].map(x => f(x - 1))[0] : 0 } try { f(100000) } catch (e) { e.name }')).toBe(
      'RangeError',
    );
    expect(m.evaluate('try { JSON.parse("[".repeat(100000)) } catch (e) { e.name }')).toBe('RangeError');
    expect(m.evaluate('try { eval("(".repeat(100000) + "1" + ")".repeat(100000)) } catch (e) { e.name }')).toBe('RangeError');
    expect(m.evaluate('f(50)')).toBe(0);
    m.dispose();
  });

  it('kills, rather than corrupts, a machine whose native recursion has no wasm stack frame to check', () => {
    // XS recurses in C over nested arrays (JSON, the collector) in functions that keep their
    // frames in the host's stack only, where the wasm stack budget cannot see them.
    const bystander = xs.createMachine();
    const m = xs.createMachine();
    let outcome: unknown;
    try {
      outcome = m.evaluate(
        'let o = []; for (let i = 0; i < 100000; i++) o = [o]; try { JSON.stringify(o) } catch (e) { e.name }',
      );
    } catch (error) {
      outcome = error instanceof MachineDeadError ? error.reason : error;
    }
    expect(['RangeError', 'host-stack-overflow', 'stack-overflow']).toContain(outcome);
    expect(bystander.evaluate('[1, [2]].flat().length')).toBe(2);
    m.dispose();
    bystander.dispose();
  });

  it('survives the host stack overflowing inside a guest: that machine dies, the others live', async () => {
    // A budget near the whole wasm stack lets the host's own stack run out first.
    const greedy = await engine({ stackBudget: 960 * 1024 });
    const bystander = greedy.createMachine();
    bystander.evaluate('var state = "intact"');
    const m = greedy.createMachine();
    let outcome: string;
    try {
      m.evaluate('function f(n) { return n ? [n].map(x => f(x - 1))[0] : 0 } f(100000)');
      outcome = 'returned';
    } catch (error) {
      outcome = error instanceof MachineDeadError ? error.reason : error instanceof GuestError ? error.guestName : String(error);
    }
    expect(['host-stack-overflow', 'RangeError']).toContain(outcome);
    expect(bystander.evaluate('state')).toBe('intact');
    expect(greedy.createMachine().evaluate('6 * 7')).toBe(42);
  });
});

describe('garbage', () => {
  it('lets WeakRefs go only in collections the host asks for', async () => {
    const m = xs.createMachine();
    m.evaluate(
      'var refs = []; var finalized = 0; var registry = new FinalizationRegistry(() => finalized++); for (let i = 0; i < 100; i++) { const o = { i }; refs.push(new WeakRef(o)); registry.register(o, i); }',
    );
    m.evaluate('{ let a = []; for (let i = 0; i < 100000; i++) a.push({ i }); }');
    expect(m.evaluate('refs.filter((r) => r.deref()).length')).toBe(100);
    m.collectGarbage();
    expect(m.evaluate('refs.filter((r) => r.deref()).length')).toBe(0);
    expect(m.evaluate('finalized')).toBe(100);
    m.dispose();
  });
});
