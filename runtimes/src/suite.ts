// The host matrix's suite: the public API of the engine, the membrane, the journal, the sandbox
// and its plugins, as a user calls it, in any JavaScript host. It imports nothing of the host's
// (no node: module, no DOM): each runtime's entry (run.ts, page-*.ts, worker.ts) loads the engine
// its own way and hands it over, and reports what came back for runtimes.test.ts to check.
import { makeChannel } from '@xsb/channel';
import { DamagedBytesError, JournalDivergenceError, JournalFormatError, readJournal } from '@xsb/journal';
import { attachMembrane, decodeMessage, encodeMessage, NotSerializableError, PROTOCOL_VERSION } from '@xsb/membrane';
import { consolePlugin } from '@xsb/plugin-console';
import { meteringPlugin } from '@xsb/plugin-metering';
import { timersPlugin } from '@xsb/plugin-timers';
import {
  createSandbox,
  type Engine,
  GuestError,
  GuestSyntaxError,
  MachineDeadError,
  MemorySink,
  MeterExhaustedError,
  RevokedError,
  restoreSandbox,
  SandboxOptionsError,
  writable,
} from '@xsb/sandbox';
import { decodeCesu8, ECMASCRIPT_GLOBALS, EngineLoadError, encodeCesu8, loadEngine } from '@xsb/xs-wasm';

/** What a runtime's entry gives the suite. */
export interface SuiteInput {
  /** The runtime, as the report names it. */
  readonly runtime: string;
  readonly engine: Engine;
  /** A life's bytes written by another runtime (base64), for `restores bytes written elsewhere`. */
  readonly foreign?: LifeBytes;
}

/** The bytes one life of a sandbox wrote (see `life`), base64. */
export interface LifeBytes {
  readonly journal: string;
  readonly snapshot: string;
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  /** What failed, when it did. */
  readonly error?: string;
}

export interface SuiteReport {
  readonly runtime: string;
  readonly buildId: string;
  readonly results: readonly CaseResult[];
  /** The life's bytes written here. */
  readonly life: LifeBytes;
  /** What the foreign life's guest answered after its restore here, when one was given. */
  readonly restored?: unknown;
}

class AssertionFailed extends Error {
  override name = 'AssertionFailed';
}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new AssertionFailed(`${what}: got ${a}, expected ${e}`);
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v === undefined ? '<undefined>' : Object.is(v, -0) ? '<-0>' : v,
  );
}

function throws(run: () => unknown, type: abstract new (...args: never[]) => Error, pattern?: RegExp): Error {
  try {
    run();
  } catch (error) {
    if (!(error instanceof type)) throw new AssertionFailed(`expected ${type.name}, got ${String(error)}`);
    if (pattern && !pattern.test(error.message))
      throw new AssertionFailed(`${type.name} said "${error.message}", not ${pattern}`);
    return error;
  }
  throw new AssertionFailed(`expected ${type.name}, nothing was thrown`);
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i]);

export function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// One life of a sandbox, the same in every runtime: plugins, endowments, a module, calls both
// ways, an error each way, binary data, virtual time, the meter, the console. Its journal and
// snapshot must be the same bytes everywhere.
const LIFE_MODULE = `
  import { scale } from './lib.js';
  export const state = { total: 0, lines: [] };
  export function add(n) { state.total += scale(n); console.log('added', n, 'total', state.total); return state.total; }
  export function later(ms) { setTimeout(() => { state.lines.push('fired at ' + Date.now()); }, ms); }
  export function risky() { try { boom(); } catch (e) { return e.name + ': ' + e.message; } }
  export function sum(bytes) { let s = 0; for (const b of bytes) s += b; return s; }
  export function report() { return JSON.stringify({ total: state.total, lines: state.lines, random: Math.random(), now: Date.now(), greeting: greet(record.id) }); }
`;
const LIFE_FILES: Record<string, string> = {
  '/main.js': LIFE_MODULE,
  '/lib.js': 'export const scale = (n) => n * 10;',
};
const lifeOptions = (lines: string[]) => ({
  plugins: [
    [timersPlugin, { start: 1_000 }],
    [meteringPlugin, { perCall: 50_000_000 }],
    [consolePlugin, (_stream: 'out' | 'err', line: string) => lines.push(line)],
  ] as const,
  endowments: {
    record: { id: 'r1', tags: ['a', 'b'] },
    greet: (name: string) => `hello ${name}`,
    boom: () => {
      throw new TypeError('host says no');
    },
  },
  modules: { load: (name: string) => LIFE_FILES[name] ?? `throw new Error('no module ${name}')` },
});

function life(engine: Engine): { journal: Uint8Array; snapshot: Uint8Array; lines: string[]; report: string } {
  const lines: string[] = [];
  const sink = new MemorySink();
  const sandbox = createSandbox({ engine, journal: sink, randomSeed: 7, ...lifeOptions(lines) });
  const main = sandbox.evaluateModule('/main.js') as Record<string, (...args: unknown[]) => unknown>;
  sandbox.keep('main', main);
  main.add!(1);
  main.add!(2.5);
  main.later!(250);
  (sandbox.plugins.timers as { advance(ms: number): unknown }).advance(300);
  same(main.risky!(), 'TypeError: host says no', 'the host error the guest caught');
  same(main.sum!(new Uint8Array([1, 2, 3, 250])), 256, 'the sum of bytes copied in');
  const report = main.report!() as string;
  const snapshot = sandbox.snapshot();
  const journal = sink.bytes();
  sandbox.dispose();
  return { journal, snapshot, lines, report };
}

const EXPECTED_REPORT = { total: 35, lines: ['fired at 1250'], now: 1300, greeting: 'hello r1' };

function checkReport(text: unknown): void {
  if (typeof text !== 'string') throw new AssertionFailed(`report() gave ${show(text)}`);
  const { random, ...rest } = JSON.parse(text) as { random: number };
  same(rest, EXPECTED_REPORT, 'the guest state');
  if (!(random >= 0 && random < 1)) throw new AssertionFailed(`Math.random gave ${random}`);
}

type Case = readonly [name: string, run: (input: SuiteInput) => void | Promise<void>];

export const CASES: readonly Case[] = [
  [
    'engine: evaluates, calls through handles, disposes',
    ({ engine }) => {
      const machine = engine.createMachine();
      same(machine.evaluate('1 + 2'), 3, 'a number');
      same(machine.evaluate('"é" + "\\u{1F600}"'), 'é😀', 'a string');
      const add = machine.evaluate('(a, b) => a + b');
      if (typeof add !== 'object' || add === null) throw new AssertionFailed('a function should come back as a handle');
      same(machine.call(add as never, undefined, 2n, 40n), 42n, 'a call with bigints');
      (add as { dispose(): void }).dispose();
      machine.dispose();
    },
  ],
  [
    'engine: loadEngine refuses bytes that are not wasm, typed, saying what to do',
    async () => {
      try {
        await loadEngine(new Uint8Array([0, 1, 2, 3]));
      } catch (error) {
        if (!(error instanceof EngineLoadError)) throw new AssertionFailed(`expected EngineLoadError, got ${String(error)}`);
        same(/did not load from 4 bytes: /.test(error.message), true, `the message "${error.message}"`);
        // workerd compiles no wasm from bytes: the message says what to give it instead
        if (/disallowed/i.test(error.message))
          same(/give loadEngine a WebAssembly\.Module/.test(error.message), true, `the message "${error.message}"`);
        return;
      }
      throw new AssertionFailed('four bytes loaded as an engine');
    },
  ],
  [
    'engine: guest errors are typed',
    ({ engine }) => {
      const machine = engine.createMachine();
      const error = throws(() => machine.evaluate('throw new RangeError("too far")'), GuestError, /too far/) as GuestError;
      same(error.guestName, 'RangeError', 'the guest error name');
      throws(() => machine.evaluate('let = ;'), GuestSyntaxError);
      machine.dispose();
    },
  ],
  [
    'engine: the meter stops a loop and the machine stays usable',
    ({ engine }) => {
      const machine = engine.createMachine({ meter: { limit: 100_000 } });
      throws(() => machine.evaluate('for (;;) {}'), MeterExhaustedError);
      same(machine.evaluate('"still here"'), 'still here', 'after the meter ran out');
      machine.dispose();
    },
  ],
  [
    'engine: past its memory limit a machine dies, and says so',
    ({ engine }) => {
      const machine = engine.createMachine({ memoryLimit: 8 * 1024 * 1024 });
      const error = throws(() => machine.evaluate('const a = []; for (;;) a.push(new Array(1000).fill(1))'), MachineDeadError);
      same((error as MachineDeadError).reason, 'memory-limit', 'the reason');
      throws(() => machine.evaluate('1'), MachineDeadError);
      machine.dispose();
    },
  ],
  [
    'engine: deep recursion is a guest RangeError',
    ({ engine }) => {
      const machine = engine.createMachine();
      same(
        machine.evaluate('const f = (n) => f(n + 1) + 1; try { f(0) } catch (e) { e.constructor.name }'),
        'RangeError',
        'what the guest caught',
      );
      machine.dispose();
    },
  ],
  [
    'engine: a machine snapshot restores with its state',
    ({ engine }) => {
      const machine = engine.createMachine({ randomSeed: 3 });
      machine.evaluate('globalThis.counter = { n: 41 }');
      const bytes = machine.snapshot();
      const again = engine.restoreMachine(bytes);
      same(again.evaluate('++counter.n'), 42, 'the restored heap');
      same(again.evaluate('Math.random()'), machine.evaluate('Math.random()'), 'the random state');
      machine.dispose();
      again.dispose();
    },
  ],
  [
    'engine: the guest has ECMAScript, a fixed clock and a seeded Math.random',
    ({ engine }) => {
      const machine = engine.createMachine({ randomSeed: 42 });
      const names = JSON.parse(machine.evaluate('JSON.stringify(Object.getOwnPropertyNames(globalThis))') as string) as string[];
      same(
        names.filter((name) => !(ECMASCRIPT_GLOBALS as readonly string[]).includes(name)),
        [],
        'globals beyond ECMAScript',
      );
      same(names.includes('Object') && !names.includes('print') && !names.includes('harden'), true, 'the globals');
      same(machine.evaluate('Date.now()'), 0, 'the clock');
      same(machine.evaluate('new Date(0).getHours()'), 0, 'local time is UTC');
      const other = engine.createMachine({ randomSeed: 42 });
      same(machine.evaluate('Math.random()'), other.evaluate('Math.random()'), 'the same seed');
      machine.dispose();
      other.dispose();
    },
  ],
  [
    'engine: strings cross as CESU-8, lone surrogates and NULs kept',
    ({ engine }) => {
      const text = 'a\u0000b\ud800c😀';
      same(decodeCesu8(encodeCesu8(text)), text, 'the codec');
      const machine = engine.createMachine();
      const echo = machine.evaluate('(s) => s + "!"');
      same(machine.call(echo as never, undefined, text), `${text}!`, 'through the guest');
      machine.dispose();
    },
  ],
  [
    'channel: messages larger than a frame are split and reassembled, both ways',
    ({ engine }) => {
      // the README's pump, with a message of 200,000 characters each way
      const machine = engine.createMachine();
      const heard: string[] = [];
      const answer = (bytes: Uint8Array) => {
        const request = decodeMessage(bytes) as unknown as { args: string[] };
        heard.push(request.args[0]!);
        return encodeMessage({ ok: 'done' });
      };
      const host = makeChannel({ region: machine.scratch, onMessage: answer });
      machine.onFrame = (length) => host.receiveInRegion(length);
      machine.connect(
        machine.evaluate(`(send) => (request) => {
          const reply = send({ op: 'apply', t: { $: 'w', n: 'shout' }, self: undefined, args: [request.args[0].toUpperCase()] });
          return { ok: reply.ok + ' ' + request.args[0].length };
        }`) as never,
      );
      const reply = decodeMessage(
        host.request(encodeMessage({ op: 'apply', t: { $: 'd', id: 0 }, self: undefined, args: ['a'.repeat(200_000)] })),
      );
      same(reply, { ok: 'done 200000' }, 'the reply');
      same([heard.length, heard[0]!.length, heard[0]!.slice(0, 3)], [1, 200_000, 'AAA'], 'what the host heard');
      machine.dispose();
    },
  ],
  [
    'membrane: the protocol encodes and decodes every kind of value',
    () => {
      const message = {
        op: 'apply',
        t: { $: 'd', id: 3 },
        self: undefined,
        args: [1, -0, Number.NaN, 2 ** 40, 'é\ud800', 10n ** 30n, true, null, { $: 'dt', v: 86_400_000 }],
      } as const;
      const bytes = encodeMessage(message as never);
      same(bytes[0] !== undefined, true, 'some bytes');
      const back = decodeMessage(bytes) as unknown as { op: string; args: unknown[] };
      same(back.op, 'apply', 'the op');
      same(back.args.length, 9, 'the arguments');
      same(Object.is(back.args[1], -0), true, '-0');
      same(Number.isNaN(back.args[2]), true, 'NaN');
      same(back.args[5], 10n ** 30n, 'a bigint');
      same(PROTOCOL_VERSION, 1, 'the protocol version');
    },
  ],
  [
    'membrane: attachMembrane, globals, calls both ways',
    ({ engine }) => {
      const machine = engine.createMachine();
      const membrane = attachMembrane(machine);
      const seen: unknown[] = [];
      membrane.defineGlobals({ note: (value: unknown) => seen.push(value) });
      const api = membrane.evaluateScript('({ twice: (f, x) => f(f(x)), greet(name) { note(name); return name.length } })') as {
        twice(f: (x: number) => number, x: number): number;
        greet(name: string): number;
      };
      same(api.greet('ada'), 3, 'a guest method');
      same(seen, ['ada'], 'what the guest gave the host');
      same(
        api.twice((x) => x * 3, 2),
        18,
        'a host function called by the guest',
      );
      machine.dispose();
    },
  ],
  [
    'membrane: errors cross both ways with their names',
    ({ engine }) => {
      const sandbox = createSandbox({
        engine,
        endowments: {
          fail: () => {
            throw new RangeError('host range');
          },
        },
      });
      const caught = sandbox.evaluate(
        'try { fail() } catch (e) { [e instanceof RangeError, e.message, e.stack.split("\\n")[0]] }',
      );
      same([...(caught as unknown[])], [true, 'host range', 'RangeError: host range'], 'the host error in the guest');
      const error = throws(() => sandbox.evaluate('throw new TypeError("guest type")'), GuestError, /guest type/);
      same(
        [(error as GuestError).guestName, (error as GuestError).value instanceof TypeError],
        ['TypeError', true],
        'the guest error on the host',
      );
      same(
        [error.stack?.includes('TypeError: guest type'), error.stack?.includes('--- across the membrane')],
        [true, true],
        "the guest's part of its stack",
      );
      // a unique symbol has no name the host could give it
      throws(() => sandbox.evaluate('Symbol("unique")'), NotSerializableError);
      const identity = sandbox.evaluate('(f) => f') as (value: unknown) => unknown;
      throws(() => identity(Symbol('mine')), NotSerializableError);
      sandbox.dispose();
    },
  ],
  [
    'membrane: dates and binary data cross as copies',
    ({ engine }) => {
      const sandbox = createSandbox({ engine });
      const flip = sandbox.evaluate(
        '(bytes) => { const out = new Uint8Array(bytes.length); for (let i = 0; i < bytes.length; i++) out[i] = 255 - bytes[i]; return out }',
      ) as (b: Uint8Array) => Uint8Array;
      const input = new Uint8Array([0, 1, 254, 255]);
      const output = flip(input);
      same([output instanceof Uint8Array, [...output]], [true, [255, 254, 1, 0]], 'the flipped copy');
      same([...input], [0, 1, 254, 255], 'the host bytes, untouched');
      const date = sandbox.evaluate('new Date(86400000)') as Date;
      same([date instanceof Date, date.getTime()], [true, 86_400_000], 'a date');
      sandbox.dispose();
    },
  ],
  [
    'membrane: host objects are read-only unless handed as writable',
    ({ engine }) => {
      const record = { id: 'r1' };
      const state = writable({ count: 0 });
      const sandbox = createSandbox({ engine, endowments: { record, state } });
      same(sandbox.evaluate('try { record.id = "pwned"; "wrote" } catch (e) { e.name }'), 'TypeError', 'a write refused');
      same(record.id, 'r1', 'the host record');
      sandbox.evaluate('state.count += 5');
      same(state.count, 5, 'a writable object');
      // the host's Object.prototype reaches the guest as the guest's own: a write stays in the guest
      sandbox.evaluate('Object.getPrototypeOf(record).polluted = 1');
      same('polluted' in {}, false, "the host's Object.prototype");
      sandbox.dispose();
    },
  ],
  [
    'membrane: ES modules and CommonJS through a module host',
    ({ engine }) => {
      const files: Record<string, string> = {
        '/a.js': 'import b from "./b.json"; export const value = b.n + 1;',
        '/b.json': '{"n": 41}',
        '/c.js': 'module.exports = { twice: (x) => 2 * require("./d.js").one * x };',
        '/d.js': 'exports.one = 1;',
      };
      const sandbox = createSandbox({ engine, modules: { load: (name) => files[name]! } });
      same((sandbox.evaluateModule('/a.js') as { value: number }).value, 42, 'an ES module');
      const c = sandbox.evaluateCommonJsModule(files['/c.js']!, '/c.js') as { twice(x: number): number };
      same(c.twice(21), 42, 'a CommonJS module');
      sandbox.dispose();
    },
  ],
  [
    'membrane: promises settle across',
    async ({ engine }) => {
      const sandbox = createSandbox({ engine, endowments: { later: (value: number) => Promise.resolve(value * 2) } });
      const run = sandbox.evaluate('(async () => (await later(20)) + 2)') as () => Promise<number>;
      same(await run(), 42, 'the guest promise, settled');
      sandbox.dispose();
    },
  ],
  [
    'membrane: a disposed sandbox revokes its proxies',
    ({ engine }) => {
      const sandbox = createSandbox({ engine });
      const api = sandbox.evaluate('({ f: () => 1 })') as { f(): number };
      same(api.f(), 1, 'before');
      sandbox.dispose();
      throws(() => api.f(), RevokedError);
    },
  ],
  [
    'journal: pure replay verifies, and restores the state',
    ({ engine }) => {
      const { journal } = life(engine);
      const read = readJournal(journal);
      same(read.entries.length > 10, true, 'entries recorded');
      const lines: string[] = [];
      const { sandbox, report } = restoreSandbox({ engine, journal, ...lifeOptions(lines) });
      same(report.fromSnapshot, false, 'a pure replay');
      same(lines, [], 'a replay does not write the console again');
      checkReport((sandbox.root('main') as { report(): string }).report());
      sandbox.dispose();
    },
  ],
  [
    'journal: snapshot plus tail',
    ({ engine }) => {
      const { journal, snapshot } = life(engine);
      const { sandbox, report } = restoreSandbox({ engine, journal, snapshot, ...lifeOptions([]) });
      same([report.fromSnapshot, report.replayed], [true, 0], 'restored from the snapshot');
      same((sandbox.root('main') as { add(n: number): number }).add(1), 45, 'a call after the restore');
      sandbox.dispose();
    },
  ],
  [
    'journal: damaged bytes and diverging hosts are refused, typed',
    ({ engine }) => {
      const { journal } = life(engine);
      const damaged = journal.slice();
      damaged[damaged.length - 3]! ^= 0x40;
      throws(() => readJournal(damaged), JournalFormatError);
      const diverging = lifeOptions([]);
      const error = throws(
        () => restoreSandbox({ engine, journal, ...diverging, endowments: { ...diverging.endowments, greet: 'not a function' } }),
        Error,
      );
      if (!(error instanceof JournalDivergenceError || error instanceof DamagedBytesError))
        throw new AssertionFailed(`a diverging endowment gave ${error.name}`);
    },
  ],
  [
    'sandbox: plugins give timers, a meter and a console',
    ({ engine }) => {
      const lines: string[] = [];
      const sandbox = createSandbox({
        engine,
        plugins: [
          [timersPlugin, { start: 0 }],
          [meteringPlugin, { perCall: 1_000_000 }],
          [consolePlugin, (_s: string, line: string) => lines.push(line)],
        ],
      });
      sandbox.evaluate('setTimeout(() => console.log("fired at", Date.now()), 50)');
      const timers = sandbox.plugins.timers as { advance(ms: number): { fired: number } };
      same(timers.advance(100).fired, 1, 'timers fired');
      same(lines, ['fired at 50'], 'the console');
      throws(() => sandbox.evaluate('for (;;) {}'), MeterExhaustedError);
      same((sandbox.plugins.metering as { used: number }).used > 1_000_000, true, 'the meter counted');
      sandbox.dispose();
    },
  ],
  [
    'sandbox: options are checked',
    ({ engine }) => {
      throws(() => createSandbox({ engine, limits: { memory: 'lots' as never } }), SandboxOptionsError);
      throws(() => createSandbox({ engine: {} as never }), SandboxOptionsError);
    },
  ],
  [
    'sandbox: the same inputs write the same bytes',
    ({ engine }) => {
      const first = life(engine);
      const second = life(engine);
      same(equalBytes(first.journal, second.journal), true, 'two journals');
      same(equalBytes(first.snapshot, second.snapshot), true, 'two snapshots');
      checkReport(first.report);
      same(first.lines, ['added 1 total 10', 'added 2.5 total 35'], 'the console lines');
    },
  ],
];

/** Runs every case, then the life whose bytes the runtimes compare, then the foreign restore. */
export async function runSuite(input: SuiteInput): Promise<SuiteReport> {
  const results: CaseResult[] = [];
  const record = async (name: string, run: () => void | Promise<void>) => {
    try {
      await run();
      results.push({ name, ok: true });
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
      results.push({ name, ok: false, error: text });
    }
  };
  for (const [name, run] of CASES) await record(name, () => run(input));
  const own = life(input.engine);
  let restored: unknown;
  if (input.foreign) {
    await record('sandbox: restores bytes written elsewhere', () => {
      const journal = fromBase64(input.foreign!.journal);
      const snapshot = fromBase64(input.foreign!.snapshot);
      const { sandbox } = restoreSandbox({ engine: input.engine, journal, snapshot, ...lifeOptions([]) });
      restored = (sandbox.root('main') as { report(): string }).report();
      checkReport(restored);
      sandbox.dispose();
    });
  }
  return {
    runtime: input.runtime,
    buildId: input.engine.buildId,
    results,
    life: { journal: toBase64(own.journal), snapshot: toBase64(own.snapshot) },
    ...(restored === undefined ? {} : { restored }),
  };
}
