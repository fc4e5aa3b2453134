import { encodeHeader, JournalFormatError, readJournalHeader } from '@xsb/journal';
import {
  createSandbox,
  definePlugin,
  JournalDivergenceError,
  loadEngine,
  MemorySink,
  PluginMismatchError,
  RevokedError,
  restoreSandbox,
  SandboxOptionsError,
} from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

// A third-party-style plugin: a key-value store whose state lives in the guest.
const kv = definePlugin({
  name: 'kv',
  install(context, options: { prefix?: string } | undefined) {
    context.guestScript(`(() => {
      const store = new Map();
      globalThis.kv = Object.freeze({ get: (k) => store.get(${JSON.stringify(options?.prefix ?? '')} + k), set: (k, v) => { store.set(${JSON.stringify(options?.prefix ?? '')} + k, v) } });
      return { size: () => store.size };
    })()`);
    return { size: () => (context.guest() as { size(): number }).size() };
  },
});

describe('createSandbox', () => {
  it('lists every problem with its options, each with what was expected', () => {
    let error: SandboxOptionsError | undefined;
    try {
      createSandbox({
        engine: {} as never,
        plugins: 'timers' as never,
        limits: { memory: -1, stackSlots: 1.5 },
        randomSeed: 'x' as never,
      });
    } catch (e) {
      error = e as SandboxOptionsError;
    }
    expect(error).toBeInstanceOf(SandboxOptionsError);
    expect(error?.problems).toEqual([
      'engine is an object; expected the Engine that loadEngine() resolves to',
      'plugins is "timers"; expected an array',
      'limits.memory is -1; expected a positive integer',
      'limits.stackSlots is 1.5; expected a positive integer',
      'randomSeed is "x"; expected an integer',
    ]);
    expect(() => createSandbox({ engine, plugins: [kv, kv] })).toThrow('the plugin "kv" is given twice');
    expect(() =>
      createSandbox({
        engine,
        endowments: { kv: 1 },
        plugins: [definePlugin({ name: 'x', install: (c) => c.defineGlobals({ kv: 2 }) })],
      }),
    ).toThrow('the plugin "x" defines the global kv, which the endowments define already');
  });

  it('evaluates scripts, and CommonJS modules with require through the module host, synchronously', () => {
    const files: Record<string, string> = {
      '/lib/add.js': 'module.exports = (a, b) => a + b',
      '/lib/data.json': '{ "start": 10 }',
    };
    using sandbox = createSandbox({ engine, endowments: { greeting: 'hello' }, modules: { load: (name) => files[name]! } });
    expect(sandbox.evaluate('greeting + ", " + typeof setTimeout')).toBe('hello, undefined');
    const main = sandbox.evaluateCommonJsModule(
      'const add = require("../lib/add.js"); exports.sum = (xs) => xs.reduce(add, require("../lib/data.json").start)',
      '/app/main.js',
    ) as { sum(xs: number[]): number };
    expect(main.sum([1, 2, 3])).toBe(16);
  });

  it('imports ES modules resolved and loaded by the host, and finds them again after a restore', () => {
    const files: Record<string, string> = {
      '/app/main.js': `import { Counter } from './counter.js'; import config from '/config.js';
        export const counter = new Counter(config.start);`,
      '/app/counter.js': 'export class Counter { constructor(n) { this.n = n } next() { return ++this.n } }',
      '/config.js': 'export default { start: 100 }',
    };
    const loaded: string[] = [];
    const modules = {
      load(name: string) {
        loaded.push(name);
        if (!(name in files)) throw new Error(`no module ${name}`);
        return files[name]!;
      },
    };
    const sink = new MemorySink();
    const sandbox = createSandbox({ engine, modules, journal: sink });
    const main = sandbox.evaluateModule('/app/main.js') as { counter: { next(): number } };
    expect([main.counter.next(), main.counter.next()]).toEqual([101, 102]);
    expect(loaded).toEqual(['/app/main.js', '/app/counter.js', '/config.js']);
    expect(() => sandbox.evaluateModule('/app/missing.js')).toThrow(/no module \/app\/missing.js/);
    const journal = sink.bytes();
    sandbox.dispose();

    // a pure replay answers the guest's loads from the journal, not from the host
    loaded.length = 0;
    const { sandbox: restored } = restoreSandbox({ engine, journal, modules });
    const again = restored.evaluateModule('/app/main.js') as { counter: { next(): number } };
    expect(again.counter.next()).toBe(103);
    expect(loaded).toEqual([]);
    restored.dispose();
  });

  it('says so when the guest imports without a module host, or the host answers wrongly', () => {
    using plain = createSandbox({ engine });
    expect(() => plain.evaluateModule('/main.js')).toThrow(/cannot import "\/main.js": give the sandbox a modules option/);
    expect(() => plain.evaluateCommonJsModule('require("fs")', '/main.js')).toThrow(/give the sandbox a modules option/);
    expect(() => createSandbox({ engine, modules: { resolve: 1 } as never })).toThrow(
      'modules.load is undefined; expected a function (name) => source; modules.resolve is 1; expected a function (specifier, referrer) => name',
    );
    using wrong = createSandbox({
      engine,
      modules: { load: () => 42 as never, resolve: (s) => (s === 'x' ? (null as never) : s) },
    });
    expect(() => wrong.evaluateModule('/a.js')).toThrow(
      'modules.load("/a.js") returned 42; expected the module\'s source (a string)',
    );
    expect(() => wrong.evaluateModule('x')).toThrow('modules.resolve("x") returned null');
    expect(wrong.evaluate('1 + 1')).toBe(2);
  });

  it('returns a host promise from a guest async function, settled as the guest runs its jobs', async () => {
    using sandbox = createSandbox({ engine });
    const later = sandbox.evaluate('async (x) => { await null; return x * 2 }') as (x: number) => Promise<number>;
    await expect(later(21)).resolves.toBe(42);
  });

  it('gives plugins globals, guest-side state and a host API, kept across a restore', () => {
    const sink = new MemorySink();
    const sandbox = createSandbox({ engine, plugins: [[kv, { prefix: 'p:' }]], journal: sink });
    sandbox.evaluate('kv.set("a", 1); kv.set("b", 2)');
    expect((sandbox.plugins.kv as { size(): number }).size()).toBe(2);
    sandbox.keep('main', sandbox.evaluate('({ hello: () => "again" })'));
    const snapshot = sandbox.snapshot();
    const journal = sink.bytes();
    sandbox.dispose();
    expect(() => sandbox.evaluate('1')).toThrow(RevokedError);

    const { sandbox: restored, report } = restoreSandbox({ engine, journal, snapshot, plugins: [[kv, { prefix: 'p:' }]] });
    expect(report.fromSnapshot).toBe(true);
    expect(restored.evaluate('kv.get("b")')).toBe(2);
    expect((restored.plugins.kv as { size(): number }).size()).toBe(2);
    expect((restored.root('main') as { hello(): string }).hello()).toBe('again');
    restored.dispose();
  });

  it('refuses a restore without the plugins the sandbox had, or with other endowments', () => {
    const sink = new MemorySink();
    createSandbox({ engine, plugins: [kv], endowments: { n: 1 }, journal: sink }).dispose();
    const journal = sink.bytes();
    expect(() => restoreSandbox({ engine, journal, endowments: { n: 1 } })).toThrow(PluginMismatchError);
    expect(() => restoreSandbox({ engine, journal, endowments: { n: 1 } })).toThrow('plugins [kv] that this restore lacks');
    expect(() => restoreSandbox({ engine, journal, plugins: [kv], endowments: { n: 2 } })).toThrow(JournalDivergenceError);
    expect(() => restoreSandbox({ engine, journal: 'x' as never })).toThrow(SandboxOptionsError);
  });

  it('refuses a header whose plugins are not a list of names, though its checksum holds', () => {
    const sink = new MemorySink();
    createSandbox({ engine, plugins: [kv], journal: sink }).dispose();
    const journal = sink.bytes();
    const header = readJournalHeader(journal);
    const rest = journal.subarray(encodeHeader(header).length);
    for (const plugins of ['kv', [1], { kv: true }]) {
      const rewritten = new Uint8Array([...encodeHeader({ ...header, host: { plugins } }), ...rest]);
      expect(() => restoreSandbox({ engine, journal: rewritten, plugins: [kv] })).toThrow(JournalFormatError);
    }
  });
});
