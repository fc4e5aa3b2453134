import { type ConsoleApi, consolePlugin } from '@xsb/plugin-console';
import { createSandbox, loadEngine, MemorySink, restoreSandbox } from '@xsb/sandbox';
import { expect, it } from 'vitest';

const engine = await loadEngine();

it('writes what the guest logs, formatted in the guest, and keeps writing after a restore', () => {
  const lines: string[] = [];
  const write = (stream: 'out' | 'err', line: string) => lines.push(`${stream}: ${line}`);
  const journal = new MemorySink();
  const sandbox = createSandbox({ engine, plugins: [[consolePlugin, write]], journal });
  sandbox.evaluate(`
    console.log('text', 1, -0, 2n, null, undefined, Symbol('s'), function named() {}, () => {});
    console.error({ a: [1, 'two', { deep: { deeper: { deepest: 1 } } }] }, new RangeError('no'));
    console.warn([], {}, { get boom() { throw 1 } });
  `);
  expect(lines).toEqual([
    'out: text 1 0 2n null undefined Symbol(s) [Function: named] [Function (anonymous)]',
    'err: { a: [ 1, "two", { deep: [Object] } ] } RangeError: no',
    'err: [] {} [unformattable]',
  ]);
  expect((sandbox.plugins.console as ConsoleApi).format({ s: 'x' })).toBe('{ s: "x" }');
  expect(sandbox.evaluate('typeof __xsbWrite')).toBe('undefined');
  const snapshot = sandbox.snapshot();
  sandbox.dispose();

  lines.length = 0;
  const { sandbox: restored } = restoreSandbox({ engine, journal: journal.bytes(), snapshot, plugins: [[consolePlugin, write]] });
  restored.evaluate('console.info("again")');
  expect(lines).toEqual(['out: again']);
  restored.dispose();
});

it('refuses to install without a write function', () => {
  expect(() => createSandbox({ engine, plugins: [consolePlugin] })).toThrow(
    'console: the options are the function that writes lines',
  );
});
