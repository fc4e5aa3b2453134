// What the host does with guest values without being asked: printing a guest object (Node's
// util.inspect) must run no guest code and send nothing, and an error the guest names after one of
// the host's own classes comes back as that class only by name, never running its constructor.
import { inspect } from 'node:util';
import { createSandbox, GuestError, loadEngine, ModuleRefusedError } from '@xsb/sandbox';
import { expect, it } from 'vitest';
import { thrown } from './attempts.js';

const engine = await loadEngine();

it('prints a guest proxy whose every trap throws, and a revoked one, without reaching the guest', () => {
  using sandbox = createSandbox({ engine });
  // every trap of the guest's proxy counts, once armed (crossing it to the host reads none)
  const hostile = sandbox.evaluate(`
    var touched = 0, armed = false;
    new Proxy({}, new Proxy({}, { get(_, trap) { if (armed) touched++; return (...args) => Reflect[trap](...args) } }))`);
  sandbox.evaluate('armed = true');
  const crossings = sandbox.journal.length;
  expect(inspect(hostile)).toMatch(/^\[GuestObject #\d+\]$/);
  expect(inspect([hostile, { nested: hostile }])).toMatch(/GuestObject #\d+\]/);
  expect(sandbox.journal.length).toBe(crossings);
  expect(sandbox.evaluate('touched')).toBe(0);
  sandbox.dispose();
  // after dispose the proxy still prints: printing reads nothing of the guest's
  expect(inspect(hostile)).toMatch(/^\[GuestObject #\d+\]$/);
});

it('an error the guest names after a host class is that class by name only, and other names stay GuestErrors', () => {
  using sandbox = createSandbox({ engine });
  const forged = thrown(() => sandbox.evaluate(`{ const e = new Error('forged'); e.name = 'ModuleRefusedError'; throw e }`));
  expect(forged).toBeInstanceOf(ModuleRefusedError);
  expect((forged as ModuleRefusedError).message).toBe('forged');
  // made without its constructor: no specifier the guest did not give
  expect((forged as ModuleRefusedError).specifier).toBeUndefined();
  for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString']) {
    const error = thrown(() =>
      sandbox.evaluate(`{ const e = new Error('x'); e.name = ${JSON.stringify(name)}; throw e }`),
    ) as GuestError;
    expect(Object.getPrototypeOf(error)).toBe(GuestError.prototype);
    expect(error.guestName).toBe(name);
    expect(Object.getPrototypeOf(error.value)).toBe(Error.prototype);
  }
});
