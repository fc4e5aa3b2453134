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

it('formats as before after the guest replaced the built-ins it would use, and format() is one call into the guest', () => {
  const lines: string[] = [];
  using sandbox = createSandbox({
    engine,
    plugins: [[consolePlugin, (stream: string, line: string) => lines.push(`${stream}: ${line}`)]],
  });
  const api = sandbox.plugins.console as ConsoleApi;
  expect(api.format([1])).toBe('[ 1 ]');
  // (String and Reflect.apply stay: the membrane's own guest side still uses them at each call)
  sandbox.evaluate(`
    const define = Object.defineProperty;
    const forged = () => ({ toString: () => 'forged' });
    for (const [owner, name] of [
      [Array.prototype, 'map'], [Array.prototype, 'join'], [JSON, 'stringify'], [Object, 'keys'],
      [Array, 'isArray'], [Symbol.prototype, 'toString'], [Object, 'freeze'],
    ]) define(owner, name, { value: forged, writable: true, configurable: true });
    define(Array.prototype, Symbol.iterator, { value: forged, writable: true, configurable: true });
  `);
  sandbox.evaluate('console.log("a", [1, "b", { c: 2n }], Symbol("s"), new TypeError("t"))');
  expect(lines).toEqual(['out: a [ 1, "b", { c: 2n } ] Symbol(s) TypeError: t']);
  const value = sandbox.evaluate('({ list: ["x"] })');
  // one call, by the plugin's name: no lookup first
  const from = sandbox.journal.length;
  expect(api.format(value)).toBe('{ list: [ "x" ] }');
  expect(sandbox.journal.slice(from).map((entry) => entry.kind)).toEqual(['toGuest', 'guestReply']);
});

it("writes the guest's control characters as text, so a line cannot drive the host's terminal", () => {
  const lines: string[] = [];
  using sandbox = createSandbox({ engine, plugins: [[consolePlugin, (_stream: string, line: string) => lines.push(line)]] });
  sandbox.evaluate(String.raw`console.log('a\tb\x1b[2J\x07\u009b1A\x7f', 'c\nd')`);
  expect(lines).toEqual(['a\tb\\x1b[2J\\x07\\x9b1A\\x7f c\nd']);
});

// Found by a user wiring a logger whose info() returns the logger (for chaining): the guest got
// the logger back from console.log, and read its fields.
it("gives the guest nothing of what write returns: console.log is undefined, and the journal's reply too", () => {
  const logger = {
    secret: 'db-password',
    lines: [] as string[],
    info(line: string) {
      this.lines.push(line);
      return this;
    },
  };
  const journal = new MemorySink();
  const sandbox = createSandbox({
    engine,
    plugins: [[consolePlugin, (_stream: string, line: string) => logger.info(line)]],
    journal,
  });
  expect(sandbox.evaluate('const r = console.log("hi"); [typeof r, String(r)].join()')).toBe('undefined,undefined');
  expect(sandbox.evaluate('console.error("x") === undefined && console.warn("y") === undefined')).toBe(true);
  expect(logger.lines).toEqual(['hi', 'x', 'y']);
  // the same bytes whatever write returns
  const quiet = new MemorySink();
  const other = createSandbox({ engine, plugins: [[consolePlugin, () => 42]], journal: quiet });
  other.evaluate('const r = console.log("hi"); [typeof r, String(r)].join()');
  other.evaluate('console.error("x") === undefined && console.warn("y") === undefined');
  expect([...quiet.bytes()]).toEqual([...journal.bytes()]);
});
