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

  it('evaluates scripts and CommonJS modules, with require through the host, synchronously', () => {
    using sandbox = createSandbox({ engine, endowments: { greeting: 'hello' } });
    expect(sandbox.evaluate('greeting + ", " + typeof setTimeout')).toBe('hello, undefined');
    const modules: Record<string, string> = { './add.js': 'module.exports = (a, b) => a + b' };
    const require = (specifier: string) => sandbox.evaluateCommonJsModule(modules[specifier]!, specifier);
    const main = sandbox.evaluateCommonJsModule(
      'const add = require("./add.js"); exports.sum = (xs) => xs.reduce(add, 0)',
      '/main.js',
      require,
    ) as {
      sum(xs: number[]): number;
    };
    expect(main.sum([1, 2, 3])).toBe(6);
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
});
