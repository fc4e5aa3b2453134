import { describe, expect, it } from 'vitest';
import { guest } from './support.js';

describe('calls', () => {
  it('nest host → guest → host → guest 100 deep', async () => {
    const { run, membrane } = await guest();
    const host = {
      down(n: number, guestDown: (n: number) => number): number {
        return n === 0 ? 0 : guestDown(n - 1) + 1;
      },
    };
    membrane.defineGlobals({ host });
    const guestDown = run('(function down(n) { return n === 0 ? 0 : host.down(n - 1, down) + 1 })');
    expect(guestDown(100)).toBe(100);
    expect(host.down(100, guestDown)).toBe(100);
  });

  it('carry strings of 1 byte, 65,535 and 65,536 bytes, and 16 MiB, both ways', async () => {
    const { run, membrane } = await guest();
    const reverse = run('(s) => s.split("").reverse().join("") ');
    for (const size of [1, 65_535, 65_536]) {
      const text = 'ab'.repeat(size).slice(0, size);
      expect(reverse(text)).toBe(text.split('').reverse().join(''));
    }
    const big = 'x'.repeat(16 * 1024 * 1024 - 1) + 'é';
    const length = run('(s) => s.length');
    expect(length(big)).toBe(big.length);
    membrane.defineGlobals({ hostLength: (s: string) => s.length });
    expect(run('hostLength("é".repeat(8 * 1024 * 1024))')).toBe(8 * 1024 * 1024);
    expect(run('"y".repeat(16 * 1024 * 1024)').length).toBe(16 * 1024 * 1024);
  }, 120_000);

  it('evaluates CommonJS modules, with require through the host', async () => {
    const { membrane } = await guest();
    const modules: Record<string, string> = {
      './math.js': 'exports.square = (x) => x * x;',
      './main.js':
        'const { square } = require("./math.js"); module.exports = { area: (r) => 3 * square(r), file: __filename, dir: __dirname };',
    };
    const cache = new Map<string, unknown>();
    const require = (specifier: string): unknown => {
      if (!cache.has(specifier))
        cache.set(specifier, membrane.evaluateCommonJsModule(modules[specifier]!, `/app/${specifier.slice(2)}`, require));
      return cache.get(specifier);
    };
    const main = membrane.evaluateCommonJsModule(modules['./main.js']!, '/app/main.js', require) as {
      area(r: number): number;
      file: string;
      dir: string;
    };
    expect(main.area(2)).toBe(12);
    expect(main.file).toBe('/app/main.js');
    expect(main.dir).toBe('/app');
    expect(() => membrane.evaluateCommonJsModule('require("fs")', '/x.js')).toThrow(/no require/);
  });

  it('reads and writes the guest global', async () => {
    const { membrane, run } = await guest();
    membrane.guestGlobal.answer = 42;
    expect(run('answer')).toBe(42);
    run('var fromGuest = "hi"');
    expect(membrane.guestGlobal.fromGuest).toBe('hi');
  });
});
