// ES modules in the program realm: XS asks the platform (xsb.c) to resolve and load imports, and
// xsb.c asks the hook the guest's side registered with codec.setModuleHook.
import { type Engine, GuestSyntaxError, type Handle, type Machine } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { engine } from './engine.js';

let xs: Engine;
beforeAll(async () => {
  xs = await engine();
});

/** A machine whose module hook serves `sources` (resolving "./x" against the referrer's folder). */
function withModules(sources: Record<string, string>): Machine {
  const m = xs.createMachine();
  m.evaluate(`var sources = ${JSON.stringify(sources)}, asked = [];`);
  const factory = m.evaluate(`(send, codec) => {
    globalThis.importNow = codec.importNow;
    codec.setModuleHook((op, specifier, referrer) => {
      asked.push(op + ' ' + specifier + (referrer === undefined ? '' : ' from ' + referrer));
      if (op === 'load') return sources[specifier];
      if (specifier.startsWith('./')) return (referrer ?? '/').replace(/[^/]*$/, '') + specifier.slice(2);
      return specifier in sources ? specifier : undefined;
    });
    return (message) => message;
  }`) as Handle;
  m.connect(factory);
  factory.dispose();
  return m;
}

describe('modules', () => {
  it('imports a graph through the hook, once per module, sharing the global scope', () => {
    const m = withModules({
      '/main.js': `import { add } from './lib/math.js'; import twice from './lib/twice.js';
        export const answer = twice(add(20, 1)); export const seen = typeof shared;`,
      '/lib/math.js': `export function add(a, b) { return a + b }`,
      '/lib/twice.js': `import { add } from './math.js'; export default (x) => add(x, x);`,
    });
    m.evaluate('var shared = 1');
    expect(m.evaluate(`const ns = importNow('/main.js'); ns.answer + ' ' + ns.seen`)).toBe('42 number');
    expect(m.evaluate('asked.join("; ")')).toBe(
      'resolve /main.js; load /main.js; resolve ./lib/math.js from /main.js; resolve ./lib/twice.js from /main.js; ' +
        'load /lib/math.js; load /lib/twice.js; resolve ./math.js from /lib/twice.js',
    );
    // a second import is the same namespace, without loading again
    expect(m.evaluate(`asked.length = 0; importNow('/main.js') === importNow('./main.js') && asked.join()`)).toBe(
      'resolve /main.js,resolve ./main.js',
    );
  });

  it('keeps loaded modules across a snapshot', () => {
    const m = withModules({ '/counter.js': 'let n = 0; export const next = () => ++n;' });
    expect(m.evaluate(`importNow('/counter.js').next() + importNow('/counter.js').next()`)).toBe(3);
    const restored = xs.restoreMachine(m.snapshot());
    expect(restored.evaluate(`asked.length = 0; importNow('/counter.js').next() + ' ' + asked.join()`)).toBe(
      '3 resolve /counter.js',
    );
  });

  it('reports what fails, and the machine carries on', () => {
    const m = withModules({
      '/bad.js': 'export const = 1;',
      '/throws.js': 'throw new RangeError("at load")',
      '/imports-missing.js': 'import "/nowhere.js";',
      '/number.js': 'export default 1',
    });
    expect(() => m.evaluate(`importNow('/nowhere.js')`)).toThrow(/module "\/nowhere.js" not found/);
    expect(() => m.evaluate(`importNow('/bad.js')`)).toThrow(GuestSyntaxError);
    expect(() => m.evaluate(`importNow('/throws.js')`)).toThrow(/at load/);
    expect(() => m.evaluate(`importNow('/imports-missing.js')`)).toThrow(/not found/);
    expect(() => m.evaluate(`sources['/number.js'] = 7; importNow('/number.js')`)).toThrow(
      /loaded "\/number.js" as something other than its source/,
    );
    expect(() => m.evaluate('importNow(1)')).toThrow(/expects a specifier/);
    expect(m.evaluate('1 + 1')).toBe(2);
  });

  it('resolves nothing without a hook', () => {
    const m = xs.createMachine();
    const factory = m.evaluate(
      '(send, codec) => { globalThis.importNow = codec.importNow; return (message) => message }',
    ) as Handle;
    m.connect(factory);
    expect(() => m.evaluate(`importNow('/main.js')`)).toThrow(/not found/);
  });
});
