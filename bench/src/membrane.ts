// One round of the membrane workloads on each side: xsb (a fresh machine with the membrane
// attached) and quickjs-emscripten (a fresh context of its release-sync build). Timings are per
// operation, in µs; each side also returns what it computed, so that both can be checked.
import { attachMembrane } from '@xsb/membrane';
import type { Engine } from '@xsb/xs-wasm';
import type { QuickJSWASMModule } from 'quickjs-emscripten';
import * as w from './workloads.js';

export type MembraneMetric = 'hostCalls' | 'guestCalls' | 'properties';
export type MembraneRound = Record<MembraneMetric, number> & { values: Record<MembraneMetric, number> };

const perOperation = (started: number, count: number) => ((performance.now() - started) * 1000) / count;

export function xsbRound(engine: Engine): MembraneRound {
  const machine = engine.createMachine();
  const membrane = attachMembrane(machine);
  const round = { values: {} } as MembraneRound;
  let t: number;
  try {
    const add = membrane.evaluateScript(w.add) as (a: number, b: number) => number;
    let sum = 0;
    t = performance.now();
    for (let i = 0; i < w.HOST_CALLS; i++) sum += add(i, 2);
    round.hostCalls = perOperation(t, w.HOST_CALLS);
    round.values.hostCalls = sum;

    membrane.defineGlobals({ hostAdd: (a: number, b: number) => a + b });
    t = performance.now();
    round.values.guestCalls = membrane.evaluateScript(w.callHost) as number;
    round.guestCalls = perOperation(t, w.GUEST_CALLS);

    const object = membrane.evaluateScript(w.object) as Record<string, number>;
    sum = 0;
    t = performance.now();
    for (const key of w.keys) sum += object[key]!;
    round.properties = perOperation(t, w.PROPERTIES);
    round.values.properties = sum;
  } finally {
    membrane.revoke();
    machine.dispose();
  }
  return round;
}

export function quickjsRound(quickjs: QuickJSWASMModule): MembraneRound {
  const vm = quickjs.newContext();
  const round = { values: {} } as MembraneRound;
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
    const hostAdd = vm.newFunction('hostAdd', (a, b) => vm.newNumber(vm.getNumber(a) + vm.getNumber(b)));
    vm.setProp(vm.global, 'hostAdd', hostAdd);
    hostAdd.dispose();
    t = performance.now();
    const total = vm.unwrapResult(vm.evalCode(w.callHost));
    round.guestCalls = perOperation(t, w.GUEST_CALLS);
    round.values.guestCalls = vm.getNumber(total);
    total.dispose();

    const object = vm.unwrapResult(vm.evalCode(w.object));
    sum = 0;
    t = performance.now();
    for (const key of w.keys) {
      const value = vm.getProp(object, key);
      sum += vm.getNumber(value);
      value.dispose();
    }
    round.properties = perOperation(t, w.PROPERTIES);
    round.values.properties = sum;
    object.dispose();
  } catch (error) {
    try {
      vm.dispose();
    } catch {} // handles left behind by the interruption: the error that caused it matters more
    throw error;
  }
  vm.dispose(); // throws if a handle above was left undisposed
  return round;
}
