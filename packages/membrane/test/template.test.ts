import { attachMembrane, createConnectedMachine } from '@xsb/membrane';
import { loadEngine, MachineDeadError } from '@xsb/xs-wasm';
import { expect, it } from 'vitest';
import { fromBase64 } from '../src/base64.js';

const engine = await loadEngine();

it('makes connected machines from a template: independent, seeded, and alike byte for byte', () => {
  const machines = [
    createConnectedMachine(engine),
    createConnectedMachine(engine),
    createConnectedMachine(engine, { randomSeed: 7 }),
  ];
  const [a, b, seeded] = machines.map((machine) => attachMembrane(machine, { restored: true }));
  a!.evaluateScript('globalThis.mine = "a"');
  expect(b!.evaluateScript('typeof mine')).toBe('undefined');
  expect(a!.evaluateScript('Math.random()')).toBe(b!.evaluateScript('Math.random()'));
  expect(seeded!.evaluateScript('Math.random()')).not.toBe(a!.evaluateScript('Math.random()'));
  // a fresh machine, connected the slow way, behaves the same
  const fresh = engine.createMachine();
  const slow = attachMembrane(fresh);
  const fromTemplate = createConnectedMachine(engine);
  attachMembrane(fromTemplate, { restored: true });
  expect(slow.evaluateScript('[Math.random(), typeof connectWet, Object.keys(globalThis).length].join()')).toBe(
    attachMembrane(createConnectedMachine(engine), { restored: true }).evaluateScript(
      '[Math.random(), typeof connectWet, Object.keys(globalThis).length].join()',
    ),
  );
  expect(createConnectedMachine(engine).snapshot()).toEqual(fromTemplate.snapshot());
  for (const machine of [...machines, fresh, fromTemplate]) machine.dispose();
});

it('keeps the memory limit, clock and meter of each machine', () => {
  const machine = createConnectedMachine(engine, { now: () => 1234, memoryLimit: 8 * 1024 * 1024 });
  const membrane = attachMembrane(machine, { restored: true });
  expect(membrane.evaluateScript('Date.now()')).toBe(1234);
  expect(() => membrane.evaluateScript('const a = []; for (;;) a.push(new Array(1e5).fill(1))')).toThrow(MachineDeadError);
  expect(machine.deathReason).toBe('memory-limit');
  machine.dispose();
});

it('ships the template for the default settings that its engine writes, byte for byte', async () => {
  // the package's own copy, written by the build for the engine it ships with (scripts/build-template.mjs)
  const { SHIPPED_TEMPLATE } = await import('../src/template.generated.js');
  expect(SHIPPED_TEMPLATE?.buildId).toBe(engine.buildId);
  // what a process writes when it has no shipped template: a machine connected the slow way
  const machine = engine.createMachine();
  const membrane = attachMembrane(machine);
  const written = machine.snapshot({ tight: true });
  expect(fromBase64(SHIPPED_TEMPLATE!.base64)).toEqual(written);
  expect(createConnectedMachine(engine).snapshot({ tight: true })).toEqual(written);
  membrane.revoke();
  machine.dispose();
});
