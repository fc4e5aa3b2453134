// isolated-vm, when isolated-vm/build.mjs could build it (see there): the same workloads on a V8
// isolate of its own, through its synchronous API.
import { createRequire } from 'node:module';
import type { MembraneRound } from './membrane.js';
import { COMPUTE, type ComputeMetric, type SandboxRound } from './sandbox.js';
import * as w from './workloads.js';

// biome-ignore lint/suspicious/noExplicitAny: isolated-vm is loaded from a path, without its types
type Ivm = any;

/** isolated-vm, or why it is missing. */
export function loadIsolatedVm(): { ivm: Ivm; version: string } | { missing: string } {
  const require = createRequire(import.meta.url);
  try {
    const ivm = require('../isolated-vm/node_modules/isolated-vm');
    const { version } = require('../isolated-vm/node_modules/isolated-vm/package.json') as { version: string };
    return { ivm, version };
  } catch (error) {
    return {
      missing: `isolated-vm is not built here (node isolated-vm/build.mjs in bench/ builds it): ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

const perOperation = (started: number, count: number) => ((performance.now() - started) * 1000) / count;

export function ivmMembraneRound(ivm: Ivm): MembraneRound {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const round: MembraneRound = { values: {} };
  try {
    const context = isolate.createContextSync();
    const add = isolate.compileScriptSync(w.add).runSync(context, { reference: true });
    let sum = 0;
    let t = performance.now();
    for (let i = 0; i < w.HOST_CALLS; i++) sum += add.applySync(undefined, [i, 2]);
    round.hostCalls = perOperation(t, w.HOST_CALLS);
    round.values.hostCalls = sum;

    context.global.setSync('hostAdd', (a: number, b: number) => a + b);
    t = performance.now();
    round.values.guestCalls = isolate.compileScriptSync(w.callHost).runSync(context);
    round.guestCalls = perOperation(t, w.GUEST_CALLS);

    const run = (source: string) => isolate.compileScriptSync(source).runSync(context, { reference: true });
    const small = run(w.smallObject);
    sum = 0;
    t = performance.now();
    for (let pass = 0; pass < w.SMALL_READS / w.smallKeys.length; pass++)
      for (const key of w.smallKeys) sum += small.getSync(key);
    round.smallProperties = perOperation(t, w.SMALL_READS);
    round.values.smallProperties = sum;

    const object = run(w.object);
    sum = 0;
    t = performance.now();
    for (const key of w.keys) sum += object.getSync(key);
    round.properties = perOperation(t, w.PROPERTIES);
    round.values.properties = sum;

    const rows = run(w.rows);
    sum = 0;
    t = performance.now();
    for (let i = 0; i < w.ROWS; i++) {
      const row = rows.getSync(i, { reference: true });
      sum += (row.getSync('name') as string).length;
      row.release();
    }
    round.rows = perOperation(t, w.ROWS);
    round.values.rows = sum;

    const measure = run(w.measure);
    sum = 0;
    t = performance.now();
    for (let i = 0; i < w.STRING_CALLS; i++) sum += measure.applySync(undefined, [w.longString]);
    round.string = perOperation(t, w.STRING_CALLS);
    round.values.string = sum;

    // isolated-vm's console idiom: a host function on the global, its arguments copied across
    let written = 0;
    context.global.setSync('__log', (...args: unknown[]) => void (written += args.join(' ').length));
    isolate.compileScriptSync('globalThis.console = { log: __log }').runSync(context);
    t = performance.now();
    isolate.compileScriptSync(w.logLoop).runSync(context);
    round.plugin = perOperation(t, w.LOGS);
    round.values.plugin = written;
  } finally {
    isolate.dispose();
  }
  return round;
}

export function ivmSandboxRound(ivm: Ivm, creations: number): SandboxRound {
  const round: SandboxRound = { values: {} };
  const isolate = new ivm.Isolate({ memoryLimit: 256 });
  const context = isolate.createContextSync();
  isolate.compileScriptSync(w.setup).runSync(context);
  for (const metric of Object.keys(COMPUTE) as ComputeMetric[]) {
    const t = performance.now();
    round.values[metric] = isolate.compileScriptSync(COMPUTE[metric]).runSync(context);
    round[metric] = performance.now() - t;
  }
  isolate.dispose();
  const t = performance.now();
  for (let i = 0; i < creations; i++) {
    const fresh = new ivm.Isolate({ memoryLimit: 32 });
    fresh.createContextSync();
    fresh.dispose();
  }
  round.create = (performance.now() - t) / creations;
  return round;
}
