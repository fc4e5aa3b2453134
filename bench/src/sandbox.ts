// One round of the whole-sandbox workloads on each side: xsb (@xsb/sandbox), quickjs-emscripten
// (a context of its release-sync build) and node:vm (a context of the host's own V8: not a
// sandbox, the reference for what JIT-compiled guest code costs). Milliseconds; each side also
// returns what it computed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createSandbox, type Engine, MemorySink, restoreSandbox } from '@xsb/sandbox';
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import * as w from './workloads.js';

export type SandboxMetric = 'fib' | 'loop' | 'json' | 'regex' | 'create' | 'snapshot' | 'restore';
export type SandboxRound = Partial<Record<SandboxMetric, number>> & { values: Partial<Record<ComputeMetric, number>> };
export type ComputeMetric = 'fib' | 'loop' | 'json' | 'regex';
export type Side = 'xsb' | 'quickjs' | 'ivm' | 'vm';

export const CREATIONS = 50;
const time = <T>(run: () => T): [T, number] => {
  const t = performance.now();
  const value = run();
  return [value, performance.now() - t];
};

export function xsbSandboxRound(engine: Engine): SandboxRound {
  const round: SandboxRound = { values: {} };
  {
    using sandbox = createSandbox({ engine });
    sandbox.evaluate(w.setup);
    for (const metric of computeMetrics)
      [round.values[metric], round[metric]] = time(() => sandbox.evaluate(COMPUTE[metric]) as number);
  }
  round.create =
    time(() => {
      for (let i = 0; i < CREATIONS; i++) createSandbox({ engine }).dispose();
    })[1] / CREATIONS;
  const journal = new MemorySink();
  const sandbox = createSandbox({ engine, journal });
  sandbox.evaluate(w.heap);
  const [snapshot, snapshotMs] = time(() => sandbox.snapshot());
  round.snapshot = snapshotMs;
  sandbox.dispose();
  const [restored, restoreMs] = time(() => restoreSandbox({ engine, journal: journal.bytes(), snapshot }).sandbox);
  round.restore = restoreMs;
  if (restored.evaluate('kept.length') !== 12_000) throw new Error('the restored sandbox lost its heap');
  restored.dispose();
  return round;
}

/** The guest computations every side runs, after w.setup. */
export const COMPUTE = { fib: w.fib, loop: w.loop, json: w.json, regex: w.regex } as const;
const computeMetrics = Object.keys(COMPUTE) as ComputeMetric[];

export function quickjsSandboxRound(quickjs: QuickJSWASMModule): SandboxRound {
  const round: SandboxRound = { values: {} };
  const context = quickjs.newContext();
  context.unwrapResult(context.evalCode(w.setup)).dispose();
  for (const metric of computeMetrics) {
    const [value, ms] = time(() => {
      const handle = context.unwrapResult(context.evalCode(COMPUTE[metric]));
      const number = context.getNumber(handle);
      handle.dispose();
      return number;
    });
    round.values[metric] = value;
    round[metric] = ms;
  }
  context.dispose();
  round.create =
    time(() => {
      for (let i = 0; i < CREATIONS; i++) quickjs.newContext().dispose();
    })[1] / CREATIONS;
  return round;
}

export function vmSandboxRound(): SandboxRound {
  const round: SandboxRound = { values: {} };
  const context = vm.createContext({});
  vm.runInContext(w.setup, context);
  for (const metric of computeMetrics) {
    [round.values[metric], round[metric]] = time(() => vm.runInContext(COMPUTE[metric], context) as number);
  }
  round.create =
    time(() => {
      for (let i = 0; i < CREATIONS; i++) vm.createContext({});
    })[1] / CREATIONS;
  return round;
}

/** Bytes of wasm memory each idle sandbox adds, in a fresh process: 100 sandboxes kept alive. */
export function xsbIdleBytes(): number {
  return runModule(`import { createSandbox, loadEngine } from '@xsb/sandbox';
    const engine = await loadEngine();
    const held = [createSandbox({ engine })];
    const before = engine.wasmMemoryBytes;
    for (let i = 0; i < 100; i++) held.push(createSandbox({ engine }));
    console.log((engine.wasmMemoryBytes - before) / 100);`);
}

/** What a module run in a fresh Node process printed, as a number; it loads the built packages, as users do. */
function runModule(source: string): number {
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd, encoding: 'utf8' }));
}

/** Milliseconds from a fresh Node process's start to a first result, the module loads included. */
export function coldStart(side: 'xsb' | 'quickjs'): number {
  return runModule(
    side === 'xsb'
      ? `import { createSandbox, loadEngine } from '@xsb/sandbox';
         const sandbox = createSandbox({ engine: await loadEngine() });
         if (sandbox.evaluate('6 * 7') !== 42) throw new Error('wrong');
         console.log(performance.now());`
      : `import { newQuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten';
         const vm = (await newQuickJSWASMModule(RELEASE_SYNC)).newContext();
         if (vm.getNumber(vm.unwrapResult(vm.evalCode('6 * 7'))) !== 42) throw new Error('wrong');
         console.log(performance.now());`,
  );
}
