// Accessors of host objects read through descriptors: XS refuses a proxy as a descriptor's get or
// set ("get is no function"), so the guest gets a plain function that calls the host's; a getter
// runs on the object it was read off, a setter only on what the host made writable.
import { createSandbox, loadEngine, writable } from '@xsb/sandbox';
import { expect, it } from 'vitest';

const engine = await loadEngine();

const holder = () => ({
  get x() {
    return 1;
  },
  set x(value: number) {
    (this as { y: number }).y = value;
  },
  y: 2,
});

it("reads a host object's accessor descriptor and calls its getter, the same function each time", () => {
  const h = holder();
  using sandbox = createSandbox({ engine, endowments: { h } });
  sandbox.evaluate('var d = Object.getOwnPropertyDescriptor(h, "x")');
  expect(sandbox.evaluate('typeof d.get + ":" + d.get.call(h)')).toBe('function:1');
  expect(sandbox.evaluate('d.get === Object.getOwnPropertyDescriptor(h, "x").get')).toBe(true);
  expect(sandbox.evaluate('Object.getOwnPropertyDescriptor(h, "y").value')).toBe(2);
});

it('runs a setter read off a read-only host object only if the object is writable', () => {
  const readOnly = holder();
  const open = writable(holder());
  using sandbox = createSandbox({ engine, endowments: { readOnly, open } });
  expect(() => sandbox.evaluate('Object.getOwnPropertyDescriptor(readOnly, "x").set.call(readOnly, 5)')).toThrow(
    /a method works on the object it came with/,
  );
  expect(readOnly.y).toBe(2);
  sandbox.evaluate('Object.getOwnPropertyDescriptor(open, "x").set.call(open, 5)');
  expect(open.y).toBe(5);
});
