// A realistic sandbox life, shared by the byte fuzzer, the churn test and the determinism test:
// both plugins, endowments (a primitive, host functions, a host object), calls both ways and
// nested (host → guest → host → guest), timers fired by the virtual clock, Math.random, Dates, a
// metered call that runs out (an `abort` entry), a collection and a snapshot midway.
import { meteringPlugin } from '@xsb/plugin-metering';
import { timersPlugin } from '@xsb/plugin-timers';
import { createSandbox, type Engine, MemorySink, MeterExhaustedError, type PluginUse, type Sandbox } from '@xsb/sandbox';

/** Generous, so that no step but the one meant to runs out; the probe lifts the per-call limit anyway. */
const PER_CALL = 5_000_000;
const TOTAL = 500_000_000;

export const plugins = (): PluginUse[] => [
  [timersPlugin, { start: 1_700_000_000_000 }],
  [meteringPlugin, { perCall: PER_CALL, total: TOTAL }],
];

/** Host functions answer from arguments only: a replay, which never calls them, must not be told apart. */
export function endowments(): Record<string, unknown> {
  const seen: string[] = [];
  return {
    unit: 'coins',
    host: {
      rate: (name: string) => ({ coin: 3, note: 7 })[name] ?? 1,
      record: (what: string) => `${what}#${what.length}`,
      // calls back into the guest from inside a guest → host call
      callBack: (fn: (x: number) => number, x: number) => fn(x * 2) + 1,
    },
    remember: (what: string) => seen.push(what) && what.toUpperCase(),
  };
}

const GUEST = `
  var state = { step: 0, total: 0, events: [], draws: [], notes: [], dates: [] };
  globalThis.api = Object.freeze({
    add(n) { state.step++; state.total += n * host.rate('coin'); state.notes.push(host.record('add ' + n)); return state.total },
    draw(k) { state.step++; for (let i = 0; i < k; i++) state.draws.push(Math.floor(Math.random() * 1e9)); return state.draws.at(-1) },
    schedule(ms, tag) {
      state.step++;
      setTimeout(() => { state.events.push([tag, Date.now(), remember(tag)]) }, ms);
      return ms;
    },
    every(ms, tag) { state.step++; return (state.interval = setInterval(() => { state.events.push([tag, Date.now()]) }, ms)) },
    stop() { state.step++; clearInterval(state.interval); return state.interval },
    bounce(x) { state.step++; return host.callBack((y) => (state.total += y), x) },
    take(fn) { state.step++; state.notes.push(fn(state.total)); return state.notes.length },
    date() { state.step++; const d = new Date(); state.dates.push(d.toISOString(), Date.now() - d.getTime()); return d.getTime() },
    work(n) { state.step++; let s = 0; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003; state.total += s % 7; return s },
    digest() {
      const text = JSON.stringify({ state, now: Date.now(), unit, random: Math.random() });
      let h = 0x811c9dc5;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
      return 'step ' + state.step + ' total ' + state.total + ' fnv ' + h.toString(16) + ' of ' + text.length;
    },
  });
  'ready'`;

// biome-ignore lint/suspicious/noExplicitAny: guest values are whatever the guest made
type Api = any;

/** One top-level host operation (each may journal several entries). */
export interface Step {
  readonly name: string;
  run(sandbox: Sandbox, memo: Record<string, unknown>): unknown;
}

const api = (sandbox: Sandbox): Api => sandbox.root('api');

/**
 * The life's steps; `v` varies the arguments (not the shape), for another sandbox whose journal
 * looks like this one's, entry for entry, but says other things.
 */
export const steps = (v = 1): readonly Step[] => [
  { name: 'program', run: (s) => s.evaluate(GUEST) },
  { name: 'keep', run: (s) => s.keep('api', s.evaluate('api')) },
  { name: 'add 5', run: (s) => api(s).add(5 * v) },
  { name: 'draw 3', run: (s) => api(s).draw(3) },
  { name: 'schedule', run: (s) => api(s).schedule(50 * v, 'a') },
  { name: 'every', run: (s) => api(s).every(30, 'tick') },
  { name: 'advance 100', run: (s) => (s.plugins.timers as Timers).advance(100).fired },
  { name: 'bounce', run: (s) => api(s).bounce(7 * v) },
  { name: 'take', run: (s) => api(s).take((t: number) => `seen ${t}`) },
  { name: 'date', run: (s) => api(s).date() },
  { name: 'collect', run: (s) => s.collectGarbage() },
  { name: 'evaluate', run: (s) => s.evaluate('Date.now() + Math.random()') },
  { name: 'snapshot', run: (s, memo) => (memo.snapshot = s.snapshot()) },
  { name: 'add 11', run: (s) => api(s).add(11 * v) },
  { name: 'draw 2', run: (s) => api(s).draw(2) },
  { name: 'stop', run: (s) => api(s).stop() },
  { name: 'advance 75', run: (s) => (s.plugins.timers as Timers).advance(75 * v).fired },
  { name: 'tighten', run: (s) => ((s.plugins.metering as Metering).perCall = 50_000) },
  {
    name: 'run out',
    run: (s) => {
      try {
        api(s).work(10_000_000);
      } catch (error) {
        if (error instanceof MeterExhaustedError) return 'exhausted';
        throw error;
      }
      throw new Error('the meter should have stopped this call');
    },
  },
  { name: 'loosen', run: (s) => ((s.plugins.metering as Metering).perCall = PER_CALL) },
  { name: 'refill', run: (s) => (s.plugins.metering as Metering).refill(1_000_000) },
  { name: 'work', run: (s) => api(s).work(20_000 * v) },
  { name: 'schedule b', run: (s) => api(s).schedule(10, 'b') },
  { name: 'advance 10', run: (s) => (s.plugins.timers as Timers).advance(10).fired },
  { name: 'add 2', run: (s) => api(s).add(2 * v) },
  { name: 'date again', run: (s) => api(s).date() },
];

export const STEPS = steps();

interface Timers {
  advance(ms: number): { fired: number };
  now(): number;
  pending(): number;
}
interface Metering {
  readonly used: number;
  readonly remaining: number;
  perCall: number;
  refill(units: number): void;
}

export interface Lived {
  readonly sandbox: Sandbox;
  readonly sink: MemorySink;
  readonly snapshot: Uint8Array | undefined;
  /** The sandbox's journal length (entries) after each step. */
  readonly boundaries: number[];
  readonly results: unknown[];
}

/** Creates a sandbox and runs the first `count` steps on it (all by default). */
export function live(engine: Engine, count = STEPS.length, v = 1): Lived {
  const sink = new MemorySink();
  const sandbox = createSandbox({ engine, plugins: plugins(), endowments: endowments(), journal: sink });
  const memo: Record<string, unknown> = {};
  const boundaries: number[] = [];
  const results: unknown[] = [];
  for (const step of steps(v).slice(0, count)) {
    const result = step.run(sandbox, memo);
    results.push(result instanceof Uint8Array ? result.length : result);
    boundaries.push(sandbox.journal.length);
  }
  return { sandbox, sink, snapshot: memo.snapshot as Uint8Array | undefined, boundaries, results };
}

/**
 * What a sandbox is, in one string: the guest's digest of its state (where the program ran), the
 * globals it has, and the host's view of its meter and clock. Mutates the sandbox (it calls in, and
 * lifts the meter so that the probe itself is never refused): probe a sandbox last.
 */
export function probe(sandbox: Sandbox): string {
  const metering = sandbox.plugins.metering as Metering;
  const meter = `used ${metering.used} left ${metering.remaining} per call ${metering.perCall}`;
  const clock =
    sandbox.root('plugin:timers') === undefined
      ? 'no clock'
      : `now ${(sandbox.plugins.timers as Timers).now()} pending ${(sandbox.plugins.timers as Timers).pending()}`;
  metering.perCall = 0;
  metering.refill(TOTAL);
  const guest = sandbox.evaluate(
    `(typeof api === 'object' ? api.digest() : 'no api') + ' | ' + Object.getOwnPropertyNames(globalThis).length + ' globals'`,
  );
  return `${guest} | ${clock} | ${meter}`;
}
