import { type Engine, Handle, type Machine, SnapshotError } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { engine } from './engine.js';

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

  it('keep the connected receiver; the host gives the handler again on restore', () => {
    const m = xs.createMachine({ onMessage: (message) => message.map((b) => b * 2) });
    m.evaluate('var total = 0');
    m.connect(
      m.evaluate(
        '(send) => (buffer) => { total += new Uint8Array(buffer)[0]; return send(new Uint8Array([total]).buffer); }',
      ) as Handle,
    );
    expect([...m.deliver(new Uint8Array([3]))]).toEqual([6]);
    const restored = isolated.restoreMachine(m.snapshot(), { onMessage: (message) => message.map((b) => b + 100) });
    expect([...restored.deliver(new Uint8Array([4]))]).toEqual([107]);
    expect([...m.deliver(new Uint8Array([4]))]).toEqual([14]);
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
