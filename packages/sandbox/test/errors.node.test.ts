// One error model: everything the guest throws reaches the host as a GuestError whose name,
// message and stack were copied at the crossing; xsb's own errors are exported classes; every
// error's stack starts at the host's call site.
import { inspect } from 'node:util';
import {
  createSandbox,
  definePlugin,
  GuestError,
  loadEngine,
  MeterExhaustedError,
  ModuleNotFoundError,
  NotSerializableError,
} from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();
/** A meter of 10,000 units a call, as the metering plugin would set it. */
const tenThousandUnits = definePlugin({
  name: 'ten-thousand-units',
  install: (context) => context.meter.set({ limit: 10_000, budget: null }),
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** The first frame of the host's in a stack: the line after the crossing, or after the header. */
function firstHostFrame(stack: string): string {
  const lines = stack.split('\n');
  const crossing = lines.findIndex((line) => line.includes('--- across the membrane'));
  return lines.slice(crossing + 1).find((line) => line.trimStart().startsWith('at ')) ?? '';
}

describe('what the guest throws', () => {
  it('an error: a GuestError with its name, message, stack and cause, and a copy of it as value', () => {
    using sandbox = createSandbox({ engine });
    const error = thrown(() =>
      sandbox.evaluate('function check(n) { throw new TypeError("bad " + n, { cause: n }) } check(7)'),
    ) as GuestError;
    expect(error).toBeInstanceOf(GuestError);
    expect([error.name, error.guestName, error.message, error.cause]).toEqual(['GuestError', 'TypeError', 'bad 7', 7]);
    expect(error.guestStack).toMatch(/^TypeError: bad 7/);
    expect(error.guestStack).toMatch(/check/);
    expect(error.value).toBeInstanceOf(TypeError);
    expect((error.value as Error).message).toBe('bad 7');
    expect(String(error)).toBe('GuestError: bad 7');
  });

  it('a SyntaxError of the source: a GuestError named SyntaxError', () => {
    using sandbox = createSandbox({ engine });
    const error = thrown(() => sandbox.evaluate('let = ;')) as GuestError;
    expect(error).toBeInstanceOf(GuestError);
    expect(error.guestName).toBe('SyntaxError');
  });

  it.each([
    ['"boom"', 'string', 'boom', 'the guest threw "boom"'],
    ['42', 'number', 42, 'the guest threw 42'],
    ['undefined', 'undefined', undefined, 'the guest threw undefined'],
    ['10n', 'bigint', 10n, 'the guest threw 10n'],
    ['Symbol.for("s")', 'symbol', Symbol.for('s'), 'the guest threw Symbol(s)'],
  ])('a primitive, %s: a GuestError holding it', (source, kind, value, message) => {
    using sandbox = createSandbox({ engine });
    const error = thrown(() => sandbox.evaluate(`throw ${source}`)) as GuestError;
    expect(error).toBeInstanceOf(GuestError);
    expect([error.guestName, error.value, error.message]).toEqual([kind, value, message]);
  });

  it('an object whose toString throws: printing and reading the error runs no guest code', () => {
    using sandbox = createSandbox({ engine });
    sandbox.evaluate('var ran = 0');
    const error = thrown(() =>
      sandbox.evaluate('throw { toString() { ran++; throw new Error("gotcha") }, get message() { ran++; return "m" } }'),
    ) as GuestError;
    const crossings = sandbox.journal.length;
    expect(error).toBeInstanceOf(GuestError);
    expect(String(error)).toMatch(/^GuestError: the guest threw an object \(Guest #\d+\), not an Error/);
    expect(`${error.message} ${error.stack} ${error.guestName}`).not.toMatch(/gotcha/);
    expect(inspect(error)).toMatch(/GuestError: the guest threw an object/);
    expect(JSON.stringify(error)).toBe('{"name":"GuestError","guestName":"object"}');
    expect(sandbox.journal.length).toBe(crossings);
    expect(sandbox.evaluate('ran')).toBe(0);
    // the value is the guest's object: reading it is asking the guest
    expect((error.value as { message: string }).message).toBe('m');
    expect((error.value as object).constructor.name).toBe('Object');
  });

  it('a rejection of a guest promise: a GuestError', async () => {
    using sandbox = createSandbox({ engine });
    const rejection = await (sandbox.evaluate('Promise.reject(new RangeError("later"))') as Promise<unknown>).catch(
      (error: unknown) => error,
    );
    expect(rejection).toBeInstanceOf(GuestError);
    expect((rejection as GuestError).guestName).toBe('RangeError');
  });

  it("a host error the guest did not catch: a GuestError of the host error's name", () => {
    using sandbox = createSandbox({
      engine,
      endowments: {
        fail: () => {
          throw new RangeError('host failure');
        },
      },
    });
    const error = thrown(() => sandbox.evaluate('fail()')) as GuestError;
    expect(error).toBeInstanceOf(GuestError);
    expect([error.guestName, error.message]).toEqual(['RangeError', 'host failure']);
  });

  it('a GuestError crossing back into the guest is what the guest threw, the same object', () => {
    using sandbox = createSandbox({ engine, endowments: { run: (f: () => unknown) => f() } });
    expect(
      sandbox.evaluate(`
        const thrownObject = { why: 'mine' };
        let sameObject;
        try { run(() => { throw thrownObject }) } catch (e) { sameObject = e === thrownObject }
        let sameError;
        try { run(() => { throw new URIError('u') }) } catch (e) { sameError = [e instanceof URIError, e.message] }
        [sameObject, ...sameError]
      `),
    ).toEqual([true, true, 'u']);
  });
});

describe("xsb's own errors", () => {
  it("NotSerializableError from the guest's side is the exported class", () => {
    using sandbox = createSandbox({ engine, endowments: { take: (_value: unknown) => 0 } });
    const error = thrown(() => sandbox.evaluate('take(Symbol("unique"))'));
    expect(error).toBeInstanceOf(NotSerializableError);
    expect((error as Error).message).toMatch(/cannot cross the membrane/);
  });

  it("a module host's refusal is its own class, not a GuestError", () => {
    using sandbox = createSandbox({ engine, modules: { resolve: (s) => s, load: (name) => `export default ${name}` } });
    const error = thrown(() => sandbox.evaluate(`{ const e = new Error('x'); e.name = 'ModuleNotFoundError'; throw e }`));
    // by name: a guest can throw an error of that name, and it carries no authority
    expect(error).toBeInstanceOf(ModuleNotFoundError);
  });
});

describe('stacks start at the call site', () => {
  it('of sandbox.evaluate', () => {
    using sandbox = createSandbox({ engine });
    const error = thrown(() => sandbox.evaluate('null.x')) as Error;
    expect(firstHostFrame(error.stack ?? '')).toMatch(/errors\.node\.test\.ts/);
  });

  it('of a call through a proxy', () => {
    using sandbox = createSandbox({ engine });
    const transform = sandbox.evaluate('(function transform(r) { return r.x.y })') as (r: object) => unknown;
    const error = thrown(() => transform({})) as GuestError;
    expect(error.guestStack).toMatch(/transform/);
    expect(firstHostFrame(error.stack ?? '')).toMatch(/errors\.node\.test\.ts/);
  });

  it('of a MeterExhaustedError, with no frame of xsb above it', () => {
    using sandbox = createSandbox({ engine, plugins: [tenThousandUnits] });
    const spin = sandbox.evaluate('(function spin() { for (;;); })') as () => void;
    for (const error of [thrown(() => sandbox.evaluate('for (;;);')), thrown(() => spin())]) {
      expect(error).toBeInstanceOf(MeterExhaustedError);
      const stack = (error as Error).stack ?? '';
      expect(stack.split('\n')[0]).toMatch(/^MeterExhaustedError: /);
      expect(firstHostFrame(stack)).toMatch(/errors\.node\.test\.ts/);
    }
  });
});

describe('intrinsics and proxies, as the host prints them', () => {
  it('keep their guest names, and print without asking the guest', () => {
    using sandbox = createSandbox({ engine });
    const object = sandbox.evaluate('({ a: 1 })') as { constructor: { name: string } };
    const array = sandbox.evaluate('[1, 2]') as { map: { name: string } };
    expect(object.constructor.name).toBe('Object');
    expect(array.map.name).toBe('map');
    const crossings = sandbox.journal.length;
    expect(inspect(object)).toMatch(/^\[GuestObject #\d+\]$/);
    expect(inspect(array)).toMatch(/^\[GuestArray #\d+\]$/);
    expect(sandbox.journal.length).toBe(crossings);
  });
});
