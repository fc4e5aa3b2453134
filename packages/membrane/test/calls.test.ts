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
    const big = `${'x'.repeat(16 * 1024 * 1024 - 1)}é`;
    const length = run('(s) => s.length');
    expect(length(big)).toBe(big.length);
    membrane.defineGlobals({ hostLength: (s: string) => s.length });
    expect(run('hostLength("é".repeat(8 * 1024 * 1024))')).toBe(8 * 1024 * 1024);
    expect(run('"y".repeat(16 * 1024 * 1024)').length).toBe(16 * 1024 * 1024);
  }, 120_000);

  it('evaluates scripts in the global scope: let, const and class stay for the scripts after', async () => {
    const { run } = await guest();
    run('let counter = 40; const step = 1; class Point { constructor(x) { this.x = x } }');
    expect(run('counter += step; counter + step')).toBe(42);
    expect(run('new Point(3).x')).toBe(3);
    expect(() => run('let counter = 0')).toThrow(expect.objectContaining({ guestName: 'SyntaxError' }));
    expect(run('typeof globalThis.counter')).toBe('undefined');
  });

  it('evaluates CommonJS modules, with require through the module host', async () => {
    const files: Record<string, string> = {
      '/app/math.js': 'exports.square = (x) => x * x; exports.loads = (exports.loads ?? 0) + 1;',
      '/app/config.json': '{ "factor": 3 }',
      '/app/cycle-a.js': 'exports.early = "a"; const b = require("./cycle-b.js"); exports.fromB = b.sawA;',
      '/app/cycle-b.js': 'exports.sawA = require("./cycle-a.js").early;',
    };
    const asked: string[] = [];
    const { membrane } = await guest({
      modules: {
        resolve: (specifier, referrer) => {
          asked.push(`resolve ${specifier} from ${referrer}`);
          return new URL(specifier, `file://${referrer}`).pathname;
        },
        load: (name) => {
          asked.push(`load ${name}`);
          if (!(name in files)) throw new Error(`no file ${name}`);
          return files[name]!;
        },
      },
    });
    const main = membrane.evaluateCommonJsModule(
      `const { square } = require('./math.js'); const { factor } = require('./config.json');
       module.exports = { area: (r) => factor * square(r), file: __filename, dir: __dirname,
         same: require('./math.js') === require('./math.js'), cycle: require('./cycle-a.js').fromB };`,
      '/app/main.js',
    ) as { area(r: number): number; file: string; dir: string; same: boolean; cycle: string };
    expect(main.area(2)).toBe(12);
    expect([main.file, main.dir, main.same, main.cycle]).toEqual(['/app/main.js', '/app', true, 'a']);
    expect(asked.filter((line) => line.startsWith('load'))).toEqual([
      'load /app/math.js',
      'load /app/config.json',
      'load /app/cycle-a.js',
      'load /app/cycle-b.js',
    ]);
    // a module that failed to load is not cached: asking again asks the host again
    expect(() => membrane.evaluateCommonJsModule('require("./gone.js")', '/app/x.js')).toThrow(/no file \/app\/gone.js/);
    expect(() => membrane.evaluateCommonJsModule('require("./gone.js")', '/app/x.js')).toThrow(/no file/);
    expect(asked.filter((line) => line === 'load /app/gone.js')).toHaveLength(2);
  });

  it('imports ES modules through the module host', async () => {
    const files: Record<string, string> = {
      '/app/main.js': `import { square } from './math.js'; export const area = (r) => 3 * square(r);
        export default 'main'; export { loads } from './math.js';`,
      '/app/math.js': 'export let loads = 0; loads++; export function square(x) { return x * x }',
    };
    const { membrane } = await guest({
      modules: {
        resolve: (specifier, referrer) => new URL(specifier, `file://${referrer ?? '/'}`).pathname,
        load: (name) => files[name]!,
      },
    });
    const main = membrane.evaluateModule('/app/main.js') as { area(r: number): number; default: string; loads: number };
    expect([main.area(2), main.default, main.loads]).toEqual([12, 'main', 1]);
    expect(Object.keys(main).sort()).toEqual(['area', 'default', 'loads']);
    expect(membrane.evaluateModule('/app/math.js')).toEqual(expect.objectContaining({ loads: 1 }));
  });

  it('refuses imports and requires without a module host, saying why', async () => {
    const { membrane } = await guest();
    expect(() => membrane.evaluateCommonJsModule('require("fs")', '/x.js')).toThrow(/no module host/);
    expect(() => membrane.evaluateModule('/main.js')).toThrow(/no module host/);
  });

  it('reads and writes the guest global', async () => {
    const { membrane, run } = await guest();
    membrane.guestGlobal.answer = 42;
    expect(run('answer')).toBe(42);
    run('var fromGuest = "hi"');
    expect(membrane.guestGlobal.fromGuest).toBe('hi');
  });
});
