// A newcomer's multi-tenant app, through the public API only: what it stumbled on. Each test
// says what the README promises and checks it; the first group are bugs found (failing when
// written), the second guards what worked and should keep working.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inspect } from 'node:util';
import { createSandbox, loadEngine, ModuleNotFoundError, ModuleRefusedError, writable } from '@xsb/sandbox';
import { folderModuleHost } from '@xsb/sandbox/node';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

function folder(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'xsb-newuser-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('bugs a new user found', () => {
  it('evaluateModule of a missing module throws the exported ModuleNotFoundError', () => {
    // README: "a missing file a `ModuleNotFoundError`"; the class is exported from @xsb/sandbox,
    // so a host catches it by class. Through evaluateModule it arrived as a plain Error named so.
    const root = folder({ 'main.mjs': 'export const x = 1;' });
    using sandbox = createSandbox({ engine, modules: folderModuleHost({ root }) });
    const error = thrown(() => sandbox.evaluateModule('./nope.mjs'));
    expect(error.name).toBe('ModuleNotFoundError');
    expect(error).toBeInstanceOf(ModuleNotFoundError);
  });

  it('evaluateModule of a refused module throws the exported ModuleRefusedError', () => {
    // README: "Absolute paths, `..` out of the root, `node:` ... are a `ModuleRefusedError`".
    const root = folder({ 'main.mjs': 'export const x = 1;' });
    using sandbox = createSandbox({ engine, modules: folderModuleHost({ root }) });
    const error = thrown(() => sandbox.evaluateModule('node:fs'));
    expect(error.name).toBe('ModuleRefusedError');
    expect(error).toBeInstanceOf(ModuleRefusedError);
  });

  it('an ES module importing a .json file the folder host serves gets its value as the default export', () => {
    // folderModuleHost "reads only .js, .mjs, .cjs and .json files"; require() parsed .json, but an
    // import ran the JSON as JavaScript and failed with "SyntaxError: missing ;"
    const root = folder({
      'main.mjs': `import data from './data.json'; import n from './n.json'; export const x = data.x + n;`,
      'data.json': '{ "x": 1 }',
      'n.json': '41',
    });
    using sandbox = createSandbox({ engine, modules: folderModuleHost({ root }) });
    expect((sandbox.evaluateModule('./main.mjs') as { x: number }).x).toBe(42);
  });
});

describe('what a new user relied on', () => {
  it("prints guest objects by kind and id in Node's console, without a crossing", () => {
    // console.log(proxy) printed {} (Node looks at a proxy's empty target), which read as an empty result
    using sandbox = createSandbox({ engine });
    const value = sandbox.evaluate('({ list: [1, 2], f() {}, n: 1 })') as { list: unknown; f: unknown };
    const crossings = sandbox.journal.length;
    const printed = inspect(value);
    expect(printed).toMatch(/^\[GuestObject #\d+\]$/);
    expect(sandbox.journal.length).toBe(crossings);
    expect(inspect({ list: value.list, f: value.f })).toMatch(/^\{ list: \[GuestArray #\d+\], f: \[GuestFunction #\d+\] \}$/);
    expect(inspect(sandbox.evaluate('globalThis'))).toMatch(/^\[GuestObject #\d+\]$/);
  });

  it('a guest registers a listener on a read-only host EventEmitter and hears host events', () => {
    const events = new EventEmitter();
    using sandbox = createSandbox({ engine, endowments: { events } });
    sandbox.evaluate('var heard = []; events.on("price", (name, price) => heard.push(name + "=" + price))');
    expect(events.listenerCount('price')).toBe(1);
    events.emit('price', 'apple', 110);
    expect(sandbox.evaluate('heard.join()')).toBe('apple=110');
    expect(sandbox.evaluate('events.emit("price", "pear", 95)')).toBe(true);
    expect(sandbox.evaluate('heard.join()')).toBe('apple=110,pear=95');
    // the emitter's class stays the host's
    expect(thrown(() => sandbox.evaluate('events.constructor.prototype.emit = () => false'))).toMatchObject({
      guestName: 'TypeError',
    });
    expect(events.emit('price', 'x', 1)).toBe(true);
  });

  it('a host Map handed read-only can still be changed through its own methods', () => {
    const prices = new Map([['apple', 2]]);
    using sandbox = createSandbox({ engine, endowments: { prices } });
    expect(sandbox.evaluate('prices.set("pear", 95); prices.get("pear") + prices.size')).toBe(97);
    expect(prices.get('pear')).toBe(95);
  });

  it('read-only refusals say what to do, for records, arrays and nested objects of writable ones', () => {
    const config = { name: 'acme', maxTotal: 2000 };
    const list: number[] = [];
    const counter = writable({ total: 0, inner: { n: 0 }, extra: writable([] as number[]) });
    using sandbox = createSandbox({ engine, endowments: { config, list, counter } });
    for (const source of ['config.maxTotal = 1e9', 'list.push(1)', 'counter.inner.n = 1']) {
      const error = thrown(() => sandbox.evaluate(source));
      // the host's TypeError, thrown through the guest
      expect(error).toMatchObject({ guestName: 'TypeError' });
      expect(error.message).toMatch(/read-only.*writable\(object\)/s);
    }
    expect(config).toEqual({ name: 'acme', maxTotal: 2000 });
    expect(list).toEqual([]);
    sandbox.evaluate('counter.total += 5; counter.extra.push(1, 2)');
    expect(counter.total).toBe(5);
    expect(counter.inner.n).toBe(0);
    expect(JSON.stringify(counter.extra)).toBe('[1,2]');
  });

  it('a writable array takes push, sort and splice from the guest', () => {
    const items = writable([3, 1, 2]);
    using sandbox = createSandbox({ engine, endowments: { items } });
    sandbox.evaluate('items.sort(); items.splice(0, 1)');
    expect(items).toEqual([2, 3]);
  });
});
