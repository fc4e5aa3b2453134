// The guest's proxies' apply and get traps in C (codec.makeTraps, c/xsb_wire.c) against the wet
// side's JavaScript traps (the engine's fast path switched off): the same guest code must send the
// host the same bytes, get the same results and leave the same tables.
import { attachMembrane, decodeMessage, makeMembraneSide, type Request, type TrapHooks } from '@xsb/membrane';
import { type Engine, loadEngine } from '@xsb/xs-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { fullAuthority } from '../src/guard.js';
import { collectIntrinsics } from '../src/intrinsics.js';

let engine: Engine | undefined;
afterEach(() => engine?.setFastPath(true));

const GUEST = String.raw`
  const out = [];
  const log = (what, f) => {
    try { out.push(what + ' = ' + show(f())); } catch (e) { out.push(what + ' threw ' + (e && e.name) + ': ' + (e && e.message)); }
  };
  const show = (v) => typeof v === 'bigint' ? v + 'n' : typeof v === 'symbol' ? String(v) : Object.is(v, -0) ? '-0' : typeof v === 'function' ? 'function' : typeof v === 'object' && v !== null ? 'object' : String(v);
  log('primitives', () => host.echo(undefined, null, true, false, 0, -0, 1, -1, 2147483647, -2147483648, 2147483648, 0.5, NaN, Infinity, '', 'é€😀\u0000', 10n ** 30n, -5n));
  log('count', () => host.count(1, 'two', [3], {}, () => 4, host, host.echo));
  log('this', () => host.echo.call({ a: 1 }, 1));
  log('this primitive', () => host.self.call('s'));
  log('this proxy', () => host.self.call(host));
  log('symbols', () => host.echo(Symbol.iterator, Symbol.for('k')));
  log('unique symbol', () => host.echo(1, Symbol('u')));
  log('unique symbol this', () => host.echo.call(Symbol('u')));
  log('copies', () => host.count(new Error('e', { cause: { c: 1 } }), new Date(5), new ArrayBuffer(3), new Uint16Array([1, 2]), Promise.resolve(7)));
  log('throws', () => host.fail('no'));
  log('throws object', () => host.failWith({ guest: 1 }));
  log('returns object', () => typeof host.make());
  log('returns same', () => host.ident(host) === host);
  log('returns guest object', () => { const o = {}; return host.ident(o) === o; });
  log('returns list', () => host.echo.call(undefined, 1, 2, 3));
  log('reads', () => [host.x, host.s, host.n, host.b, host.u, typeof host.obj, host['missing'], host[Symbol.iterator], host[Symbol.for('r')]].map(show).join());
  log('read slot method', () => typeof host.mapGet);
  log('read throws', () => host.getter);
  log('index', () => host.list[1] + host.list.length);
  log('many args', () => host.count(...Array.from({ length: 40 }, (_, i) => i % 2 ? {} : i)));
  // an error whose getters call the host while its own call is being encoded
  const tricky = new Error('t');
  Object.defineProperty(tricky, 'message', { get() { return 'm' + host.echo(host.echo(1)); } });
  Object.defineProperty(tricky, 'name', { get() { return 'N' + host.count({}, {}); } });
  log('reentrant', () => host.count({}, tricky, {}));
  log('reentrant this', () => host.self.call(tricky));
  const thrower = new Error('x');
  Object.defineProperty(thrower, 'message', { get() { throw new Error('getter'); } });
  log('getter throws', () => host.count(thrower));
  log('not callable', () => host.obj());
  log('nested', () => host.callBack((a, b) => host.echo(a + b), 2, 3));
  out.join('\n');
`;

function hostObject() {
  const record: unknown[] = [];
  return {
    echo: (...args: unknown[]) => args[args.length - 1],
    count: (...args: unknown[]) => {
      record.push(args.length);
      return args.length;
    },
    self(this: unknown) {
      return this;
    },
    fail: (m: string) => {
      throw new TypeError(m);
    },
    failWith: (v: unknown) => {
      throw v;
    },
    make: () => ({ made: true }),
    ident: (v: unknown) => v,
    callBack: (f: (a: number, b: number) => number, a: number, b: number) => f(a, b),
    x: 42,
    s: 'str',
    n: 0.25,
    b: true,
    u: undefined,
    obj: { inner: 1 },
    list: [1, 2, 3],
    mapGet: Map.prototype.get,
    [Symbol.iterator]: 'it',
    [Symbol.for('r')]: 'reg',
    get getter(): never {
      throw new RangeError('from a getter');
    },
  };
}

async function run(on: boolean) {
  engine ??= await loadEngine();
  engine.setFastPath(on);
  const messages: string[] = [];
  const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const machine = engine.createMachine();
  const membrane = attachMembrane(machine, {
    wire: (direct) => ({
      toGuest: (bytes) => {
        const reply = direct.toGuest(bytes);
        // releases come when the host's collector finds its proxies gone, whichever traps the
        // guest has: when that is (before the run ends or not) is the host's engine's business
        if ((decodeMessage(bytes) as { op?: string }).op === 'release') return reply;
        messages.push(`host ${hex(bytes)}`);
        messages.push(`guest replied ${hex(reply)}`);
        return reply;
      },
      fromGuest: (bytes) => {
        messages.push(`guest ${hex(bytes)}`);
        const reply = direct.fromGuest(bytes);
        messages.push(`host replied ${hex(reply)}`);
        return reply;
      },
    }),
  });
  membrane.defineGlobals({ host: hostObject() });
  const result = membrane.evaluateScript(GUEST);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const stats = membrane.stats();
  machine.dispose();
  return { result, messages, stats };
}

describe('the guest traps in C', () => {
  it('send what the JavaScript traps send, byte for byte, and leave the same tables', async () => {
    const c = await run(true);
    const js = await run(false);
    expect(c.result).toBe(js.result);
    expect(c.messages.length).toBe(js.messages.length);
    for (let i = 0; i < c.messages.length; i++) expect(c.messages[i], `message ${i}`).toBe(js.messages[i]);
    expect(c.stats).toEqual(js.stats);
    // what was run, so that a trap that silently fails is seen
    expect(c.result).toContain('primitives = -5n');
    expect(c.result).toContain('reentrant = 3');
    expect(c.result).toContain('throws threw TypeError: no');
    expect(c.result).toContain('unique symbol threw NotSerializableError');
    expect(c.result).toContain('read throws threw RangeError: from a getter');
  });

  // Speed is the benchmark's to measure (bench/, `pnpm bench`); what a test can see for sure is
  // that the guest runs none of the JavaScript trap's code: the meter counts what the guest ran.
  it('run no guest code of the JavaScript trap: a loop of host calls costs the guest fewer meter units', async () => {
    engine ??= await loadEngine();
    const machine = engine.createMachine();
    const membrane = attachMembrane(machine);
    membrane.defineGlobals({ add: (a: number, b: number) => a + b });
    membrane.evaluateScript('var loop = (n) => { let s = 0; for (let i = 0; i < n; i++) s += add(i, 2); return s; }');
    const units = (on: boolean) => {
      engine!.setFastPath(on);
      expect(membrane.evaluateScript('loop(2000)')).toBe(1999 * 1000 + 4000);
      return machine.meterUsed;
    };
    const js = units(false);
    const c = units(true);
    machine.dispose();
    // the JavaScript trap runs dozens of guest instructions per call
    expect(c * 2).toBeLessThan(js);
  });

  it('keep the meter: a guest calling the host in a loop is stopped, and the machine goes on', async () => {
    engine ??= await loadEngine();
    for (const on of [true, false]) {
      engine.setFastPath(on);
      const machine = engine.createMachine();
      const membrane = attachMembrane(machine);
      membrane.defineGlobals({ add: (a: number, b: number) => a + b, big: (s: string) => s.length });
      machine.meterLimit = 200_000;
      expect(() => membrane.evaluateScript('for (;;) add(1, 2)')).toThrow();
      machine.meterLimit = 0;
      expect(membrane.evaluateScript('add(1, 2)')).toBe(3);
      // an abort while an argument is encoded (an error's getter that never ends)
      machine.meterLimit = 200_000;
      expect(() =>
        membrane.evaluateScript(
          "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { for (;;); } }); add(1, e)",
        ),
      ).toThrow();
      machine.meterLimit = 0;
      expect(membrane.evaluateScript('add(2, 2)')).toBe(4);
      expect(membrane.evaluateScript("big('x'.repeat(100000))")).toBe(100000);
      machine.dispose();
    }
  });
});

describe('the gate of TrapHooks', () => {
  it('is open exactly while no settlement waits and the side is not revoked', async () => {
    let hooks: TrapHooks | undefined;
    let refuse = false;
    const sent: Request[] = [];
    const side = makeMembraneSide({
      name: 'wet',
      intrinsicsNamed: 'shared',
      intrinsics: collectIntrinsics(globalThis),
      guard: fullAuthority,
      send: (request) => {
        if (refuse && request.op === 'settle') throw new Error('refused, as a spent meter would');
        sent.push(request);
        return { ok: undefined };
      },
      nativeTraps: (handler, given) => {
        hooks = given;
        return handler;
      },
    });
    expect(hooks!.gate.open).toBe(true);
    // a promise of this side's, sent; its settlement is refused and waits
    refuse = true;
    let resolve!: (v: unknown) => void;
    const promise = new Promise((r) => {
      resolve = r;
    });
    // sent as a result would be
    const exported = side.fastPath().encodeResult(promise);
    expect(exported).toMatchObject({ $: 'p' });
    resolve(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(hooks!.gate.open).toBe(false);
    refuse = false;
    hooks!.prepare();
    expect(sent.some((r) => r.op === 'settle')).toBe(true);
    expect(hooks!.gate.open).toBe(true);
    side.revoke();
    expect(hooks!.gate.open).toBe(false);
    expect(() => hooks!.prepare()).toThrow(/revoked/);
  });
});
