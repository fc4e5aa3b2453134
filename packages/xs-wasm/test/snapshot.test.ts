import { type Engine, Handle, type Machine, SnapshotError } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectHost } from './channel.js';
import { engine } from './engine.js';
import { guestTextPump, textOfMessage, textReply } from './wire.js';

let xs: Engine;
let isolated: Engine;
beforeAll(async () => {
  xs = await engine();
  isolated = await engine({ instances: 'isolated' });
});

const program = `
  var makeCounter = (start) => { let n = start; return () => ++n; };
  var counter = makeCounter(10);
  counter(); counter();
  var registry = new Map([["a", { deep: [1, 2, { three: 3 }] }], [{ key: true }, new Set([1, 2])]]);
  var drawn = [Math.random(), Math.random()];
  class Point { constructor(x, y) { this.x = x; this.y = y } norm() { return Math.hypot(this.x, this.y) } }
  var point = new Point(3, 4);
  var symbol = Symbol.for("registered");
  var pending = []; Promise.resolve("later").then(v => pending.push(v));
  function* steps() { yield 1; yield 2; yield 3; }
  var stepper = steps(); stepper.next();
`;
const probe =
  'JSON.stringify([counter(), registry.get("a").deep[2].three, [...registry.values()][1].has(2), point.norm(), point instanceof Point, Symbol.keyFor(symbol), pending, stepper.next().value, Math.random()])';

function run(m: Machine): void {
  const result = m.evaluate(program);
  if (result instanceof Handle) result.dispose();
}

describe('snapshots', () => {
  it('restore closures, Maps, classes, generators and the random generator in a fresh instance', () => {
    const original = xs.createMachine({ randomSeed: 99 });
    run(original);
    const bytes = original.snapshot();
    const expected = original.evaluate(probe);
    const restored = isolated.restoreMachine(bytes);
    expect(restored.evaluate(probe)).toBe(expected);
    // both go on identically from there
    expect(restored.evaluate('[counter(), Math.random()].join()')).toBe(original.evaluate('[counter(), Math.random()].join()'));
    original.dispose();
    restored.dispose();
  });

  it('are byte-identical for machines given the same inputs, in one instance or two', () => {
    const a = xs.createMachine({ randomSeed: 5 });
    const b = xs.createMachine({ randomSeed: 5 });
    const c = isolated.createMachine({ randomSeed: 5 });
    for (const m of [a, b, c]) run(m);
    const bytes = [a, b, c].map((m) => m.snapshot());
    expect(bytes[0]!.length).toBeGreaterThan(10_000);
    expect(bytes[1]).toEqual(bytes[0]);
    expect(bytes[2]).toEqual(bytes[0]);
    // and a restored machine writes the same bytes again
    expect(xs.restoreMachine(bytes[0]!).snapshot()).toEqual(bytes[0]);
    const d = xs.createMachine({ randomSeed: 6 });
    run(d);
    expect(d.snapshot()).not.toEqual(bytes[0]);
  });

  it('restore tight into a heap sized to the live one, with Maps and Sets larger than its headroom whole', () => {
    const grown = xs.createMachine({ randomSeed: 3 });
    run(grown);
    // growth leaves headroom behind; 5,000 entries need more slots than one increment (1,024)
    grown.evaluate(
      'var garbage = Array.from({ length: 20000 }, (_, i) => ({ i })); garbage = null; var big = new Map(Array.from({ length: 5000 }, (_, i) => ["k" + i, i])); var names = new Set(big.keys()); 0',
    );
    const bigProbe = 'JSON.stringify([big.size, big.get("k0"), big.get("k4999"), names.has("k2500"), names.has("k5000")])';
    const whole = grown.snapshot();
    const tight = grown.snapshot({ tight: true });
    const expected = [grown.evaluate(probe), grown.evaluate(bigProbe)];
    expect(tight.length).toBe(whole.length);
    const full = xs.restoreMachine(whole);
    const heldAtFull = full.memoryUsed;
    // the reader makes the Map's entries anew, growing the heap: wherever the new block lands
    // (allocations in between move it), every entry must be found
    const ballast: Machine[] = [];
    for (let i = 0; i < 8; i++) {
      const restored = xs.restoreMachine(tight);
      expect(restored.memoryUsed).toBeLessThan(heldAtFull * 0.8);
      expect([restored.evaluate(probe), restored.evaluate(bigProbe)]).toEqual(expected);
      restored.dispose();
      ballast.push(xs.createMachine());
    }
    for (const m of [grown, full, ...ballast]) m.dispose();
  });

  it('keep the connected receiver; the host gives the handler again on restore', () => {
    const m = xs.createMachine();
    const host = connectHost(m, (message) => textReply(String(Number(textOfMessage(message)) * 2)));
    m.evaluate('var total = 0');
    m.connect(m.evaluate(guestTextPump('(text) => { total += Number(text); return send(String(total)); }')) as Handle);
    expect(host.ask('3')).toBe('6');
    const restored = isolated.restoreMachine(m.snapshot());
    const restoredHost = connectHost(restored, (message) => textReply(String(Number(textOfMessage(message)) + 100)));
    expect(restoredHost.ask('4')).toBe('107');
    expect(host.ask('4')).toBe('14');
  });

  it('release the handles the host held (they belong to the old host)', () => {
    const m = xs.createMachine();
    const held = m.evaluate('({ big: "x".repeat(1000) })') as Handle;
    const restored = xs.restoreMachine(m.snapshot());
    expect(restored.evaluate('1')).toBe(1);
    expect(() => restored.call(held)).toThrow(/another machine/);
  });

  it('refuse damaged bytes and bytes of another build with a typed error', () => {
    const bytes = xs.createMachine().snapshot();
    const wrongBuild = bytes.slice();
    const signature = new TextEncoder().encode(`xsb:${xs.buildId}`);
    const at = indexOf(wrongBuild, signature);
    expect(at).toBeGreaterThan(0);
    const last = at + signature.length - 1;
    wrongBuild[last] = wrongBuild[last]! ^ 1;
    expect(() => xs.restoreMachine(wrongBuild)).toThrow(SnapshotError);
    expect(() => xs.restoreMachine(bytes.subarray(0, bytes.length >> 1))).toThrow(SnapshotError);
    expect(() => xs.restoreMachine(new Uint8Array(0))).toThrow(SnapshotError);
    expect(() => xs.restoreMachine(new Uint8Array(100).fill(7))).toThrow(SnapshotError);
    // the engine is unharmed
    expect(xs.restoreMachine(bytes).evaluate('6 * 7')).toBe(42);
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
