// One round of the membrane workloads on each side: xsb both ways users meet it — through
// createSandbox (@xsb/sandbox: the membrane with the journal on, in its default MemorySink, and the
// console plugin), and through the bare membrane (attachMembrane on a fresh machine, no journal) —
// plus a createSandbox whose journal goes to a file (FileSink), and quickjs-emscripten (a fresh
// context of its release-sync build). Timings are per operation, in µs; each side also returns
// what it computed, so that all can be checked against workloads.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachMembrane } from '@xsb/membrane';
import { createSandbox, type Engine } from '@xsb/sandbox';
import { FileSink } from '@xsb/sandbox/node';
import type { QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten';
// Through its sources, as @xsb/sandbox is (bench/ does not list it as a dependency).
import { consolePlugin } from '../../packages/plugin-console/src/index.js';
import * as w from './workloads.js';

export type MembraneMetric =
  | 'hostCalls'
  | 'guestCalls'
  | 'smallProperties'
  | 'properties'
  | 'rows'
  | 'string'
  | 'plugin'
  | 'fileHostCalls';
/** What a side measured (a side measures only the metrics it has a counterpart of). */
export type MembraneRound = Partial<Record<MembraneMetric, number>> & { values: Partial<Record<MembraneMetric, number>> };

const perOperation = (started: number, count: number) => ((performance.now() - started) * 1000) / count;

/** The workloads every xsb side runs, given how it evaluates a script; hostAdd is a guest global already. */
function xsbWorkloads(evaluate: (source: string) => unknown, round: MembraneRound): void {
  const add = evaluate(w.add) as (a: number, b: number) => number;
  let sum = 0;
  let t = performance.now();
  for (let i = 0; i < w.HOST_CALLS; i++) sum += add(i, 2);
  round.hostCalls = perOperation(t, w.HOST_CALLS);
  round.values.hostCalls = sum;

  t = performance.now();
  round.values.guestCalls = evaluate(w.callHost) as number;
  round.guestCalls = perOperation(t, w.GUEST_CALLS);

  const small = evaluate(w.smallObject) as Record<string, number>;
  sum = 0;
  t = performance.now();
  for (let pass = 0; pass < w.SMALL_READS / w.smallKeys.length; pass++) {
    for (const key of w.smallKeys) sum += small[key]!;
  }
  round.smallProperties = perOperation(t, w.SMALL_READS);
  round.values.smallProperties = sum;

  const object = evaluate(w.object) as Record<string, number>;
  sum = 0;
  t = performance.now();
  for (const key of w.keys) sum += object[key]!;
  round.properties = perOperation(t, w.PROPERTIES);
  round.values.properties = sum;

  const rows = evaluate(w.rows) as readonly { readonly name: string }[];
  sum = 0;
  t = performance.now();
  for (let i = 0; i < w.ROWS; i++) sum += rows[i]!.name.length;
  round.rows = perOperation(t, w.ROWS);
  round.values.rows = sum;

  const measure = evaluate(w.measure) as (s: string) => number;
  sum = 0;
  t = performance.now();
  for (let i = 0; i < w.STRING_CALLS; i++) sum += measure(w.longString);
  round.string = perOperation(t, w.STRING_CALLS);
  round.values.string = sum;
}

const hostAdd = (a: number, b: number) => a + b;

/** The bare membrane: attachMembrane on a fresh machine, no journal, no plugins. */
export function xsbBareRound(engine: Engine): MembraneRound {
  const machine = engine.createMachine();
  const membrane = attachMembrane(machine);
  const round: MembraneRound = { values: {} };
  try {
    membrane.defineGlobals({ hostAdd });
    xsbWorkloads((source) => membrane.evaluateScript(source), round);
  } finally {
    membrane.revoke();
    machine.dispose();
  }
  return round;
}

/** createSandbox with its defaults (the journal in a MemorySink), hostAdd as an endowment, the console plugin. */
export function xsbJournaledRound(engine: Engine): MembraneRound {
  const round: MembraneRound = { values: {} };
  let written = 0;
  const sandbox = createSandbox({
    engine,
    endowments: { hostAdd },
    plugins: [[consolePlugin, (_stream: 'out' | 'err', line: string) => void (written += line.length)]],
  });
  try {
    xsbWorkloads((source) => sandbox.evaluate(source), round);
    const t = performance.now();
    sandbox.evaluate(w.logLoop);
    round.plugin = perOperation(t, w.LOGS);
    round.values.plugin = written;
  } finally {
    sandbox.dispose();
  }
  return round;
}

/** createSandbox with its journal in a FileSink (no fsync, its default) on a new temporary file: host → guest calls. */
export function xsbFileRound(engine: Engine): MembraneRound & { journalBytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'xsb-bench-'));
  const sink = new FileSink(join(dir, 'journal'));
  try {
    const sandbox = createSandbox({ engine, journal: sink });
    try {
      const add = sandbox.evaluate(w.add) as (a: number, b: number) => number;
      const before = sink.size;
      let sum = 0;
      const t = performance.now();
      for (let i = 0; i < w.HOST_CALLS; i++) sum += add(i, 2);
      const fileHostCalls = perOperation(t, w.HOST_CALLS);
      return { fileHostCalls, values: { fileHostCalls: sum }, journalBytes: (sink.size - before) / w.HOST_CALLS };
    } finally {
      sandbox.dispose();
    }
  } finally {
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function quickjsRound(quickjs: QuickJSWASMModule): MembraneRound {
  const vm = quickjs.newContext();
  const round: MembraneRound = { values: {} };
  let t: number;
  try {
    const add = vm.unwrapResult(vm.evalCode(w.add));
    let sum = 0;
    t = performance.now();
    for (let i = 0; i < w.HOST_CALLS; i++) {
      const a = vm.newNumber(i);
      const b = vm.newNumber(2);
      const result = vm.unwrapResult(vm.callFunction(add, vm.undefined, a, b));
      sum += vm.getNumber(result);
      result.dispose();
      b.dispose();
      a.dispose();
    }
    round.hostCalls = perOperation(t, w.HOST_CALLS);
    round.values.hostCalls = sum;
    add.dispose();

    // Argument handles belong to the call, the returned handle to the library: neither is disposed here.
    const hostAddHandle = vm.newFunction('hostAdd', (a, b) => vm.newNumber(vm.getNumber(a) + vm.getNumber(b)));
    vm.setProp(vm.global, 'hostAdd', hostAddHandle);
    hostAddHandle.dispose();
    t = performance.now();
    const total = vm.unwrapResult(vm.evalCode(w.callHost));
    round.guestCalls = perOperation(t, w.GUEST_CALLS);
    round.values.guestCalls = vm.getNumber(total);
    total.dispose();

    const readProperties = (object: QuickJSHandle, keys: readonly string[]) => {
      let s = 0;
      for (const key of keys) {
        const value = vm.getProp(object, key);
        s += vm.getNumber(value);
        value.dispose();
      }
      return s;
    };
    const small = vm.unwrapResult(vm.evalCode(w.smallObject));
    sum = 0;
    t = performance.now();
    for (let pass = 0; pass < w.SMALL_READS / w.smallKeys.length; pass++) sum += readProperties(small, w.smallKeys);
    round.smallProperties = perOperation(t, w.SMALL_READS);
    round.values.smallProperties = sum;
    small.dispose();

    const object = vm.unwrapResult(vm.evalCode(w.object));
    t = performance.now();
    round.values.properties = readProperties(object, w.keys);
    round.properties = perOperation(t, w.PROPERTIES);
    object.dispose();

    const rows = vm.unwrapResult(vm.evalCode(w.rows));
    sum = 0;
    t = performance.now();
    for (let i = 0; i < w.ROWS; i++) {
      const row = vm.getProp(rows, i);
      const name = vm.getProp(row, 'name');
      sum += vm.getString(name).length;
      name.dispose();
      row.dispose();
    }
    round.rows = perOperation(t, w.ROWS);
    round.values.rows = sum;
    rows.dispose();

    const measure = vm.unwrapResult(vm.evalCode(w.measure));
    sum = 0;
    t = performance.now();
    for (let i = 0; i < w.STRING_CALLS; i++) {
      const s = vm.newString(w.longString);
      const result = vm.unwrapResult(vm.callFunction(measure, vm.undefined, s));
      sum += vm.getNumber(result);
      result.dispose();
      s.dispose();
    }
    round.string = perOperation(t, w.STRING_CALLS);
    round.values.string = sum;
    measure.dispose();

    // quickjs-emscripten's own console idiom (its README): a host function that dumps its arguments.
    let written = 0;
    const console = vm.newObject();
    const log = vm.newFunction('log', (...args) => {
      written += args.map((arg) => String(vm.dump(arg))).join(' ').length;
    });
    vm.setProp(console, 'log', log);
    vm.setProp(vm.global, 'console', console);
    log.dispose();
    console.dispose();
    t = performance.now();
    vm.unwrapResult(vm.evalCode(w.logLoop)).dispose();
    round.plugin = perOperation(t, w.LOGS);
    round.values.plugin = written;
  } catch (error) {
    try {
      vm.dispose();
    } catch {} // handles left behind by the interruption: the error that caused it matters more
    throw error;
  }
  vm.dispose(); // throws if a handle above was left undisposed
  return round;
}
