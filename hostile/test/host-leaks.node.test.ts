// What a guest could learn of the host through ordinary endowments, found by the host matrix's
// attack (issue 16): the host's call stack through a sloppy function's caller and arguments, a
// function's source in the engine's own "is not a constructor", and the stack of an error of
// another realm (node:vm), which instanceof did not take for an error. Each also differed between
// runtimes, so journals did.
import vm from 'node:vm';
import { createSandbox, loadEngine } from '@xsb/sandbox';
import { expect, it } from 'vitest';

const engine = await loadEngine();

it("a sloppy host function's caller and arguments: absent to the guest, read, described or listed", () => {
  // new Function makes a sloppy function, as CommonJS and older libraries do
  const withTransaction = new Function('fn', 'return fn("tx1")') as (fn: (tx: string) => unknown) => unknown;
  const reached: unknown[] = [];
  const sandbox = createSandbox({ engine, endowments: { withTransaction, reached: (v: unknown) => reached.push(v) } });
  sandbox.evaluate(`globalThis.onTx = () => {
    reached(typeof withTransaction.caller + ' ' + typeof withTransaction.arguments);
    reached(Object.getOwnPropertyDescriptor(withTransaction, 'caller') === undefined);
    reached(Object.getOwnPropertyNames(withTransaction).filter((k) => k === 'caller' || k === 'arguments').length);
    return 'done';
  }`);
  const onTx = sandbox.evaluate('onTx') as () => unknown;
  // the host calls the guest from inside a host function it never handed over
  function adminTask() {
    return withTransaction(function adminInner() {
      return onTx();
    });
  }
  expect(adminTask()).toBe('done');
  expect(reached).toEqual(['undefined undefined', true, 0]);
  sandbox.dispose();
});

it("new of a host function that is no constructor: the membrane's words, not the function's source", () => {
  const log = (line: string) => {
    const secret = 'sk-live-SECRET';
    return secret && line;
  };
  const sandbox = createSandbox({ engine, endowments: { log } });
  const message = sandbox.evaluate('try { new log("x") } catch (e) { e.name + ": " + e.message }');
  expect(message).toBe('TypeError: the target of new is not a constructor');
  expect(sandbox.evaluate('log("still a function")')).toBe('still a function');
  sandbox.dispose();
});

it("an error of another realm (node:vm) crosses as an error's copy: no host frames, no host paths", () => {
  const render = (template: string) => vm.runInNewContext(`\`${template}\``, {});
  const sandbox = createSandbox({ engine, endowments: { render } });
  const seen = sandbox.evaluate(
    'try { render("${x.y}") } catch (e) { JSON.stringify([e instanceof Error, e.name, String(e.stack).includes("file:"), String(e.stack).includes("node:")]) }',
  ) as string;
  expect(JSON.parse(seen)).toEqual([true, 'ReferenceError', false, false]);
  sandbox.dispose();
});
