// Runs the workloads on xsb in wasm (through the TypeScript API, in this process) and on the same
// XS sources and glue built natively (native/xsb-native, a fresh child process per round),
// interleaved round by round so that machine noise hits both alike. Then the membrane's workloads
// (membrane.ts) on xsb — through createSandbox (journaled) and through the bare membrane — and on
// quickjs-emscripten and isolated-vm, all in this process, interleaved the same way; then whole
// sandboxes (sandbox.ts). Prints markdown tables of medians and writes them to RESULTS.md.
//
// Usage (from bench/, after `node native/build.mjs` and `pnpm --filter @xsb/membrane build:wet`):
//   node --conditions=source --import ../scripts/register-ts.mjs src/bench.ts [--rounds N]
// (--conditions=source: the workspace packages load from their TypeScript sources, one copy each.)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HEADER_SIZE, KIND_MESSAGE, KIND_REPLY } from '@xsb/channel';
import { loadEngine as loadSandboxEngine } from '@xsb/sandbox';
import { type Engine, Handle, loadEngineSync } from '@xsb/xs-wasm';
import { newQuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten';
import { bootScript } from '../../packages/xs-wasm/src/boot.js';
import { ivmMembraneRound, ivmSandboxRound, loadIsolatedVm } from './isolated-vm.js';
import {
  type MembraneMetric,
  type MembraneRound,
  quickjsRound,
  xsbBareRound,
  xsbFileRound,
  xsbJournaledRound,
} from './membrane.js';
import {
  CREATIONS,
  coldStart,
  quickjsSandboxRound,
  type SandboxMetric,
  type SandboxRound,
  type Side,
  vmSandboxRound,
  xsbIdleBytes,
  xsbSandboxRound,
} from './sandbox.js';
import * as w from './workloads.js';

type Metric = 'fib' | 'loop' | 'create' | 'deliver' | 'send';
type Round = Record<Metric, number> & { fibValue: number; loopValue: number };

const rows: { metric: Metric; label: string; unit: 'ms' | 'µs' }[] = [
  { metric: 'fib', label: `fib(${w.FIB_N}), recursive`, unit: 'ms' },
  { metric: 'loop', label: `summing loop, ${w.LOOP_N.toExponential().replace('+', '')} iterations`, unit: 'ms' },
  { metric: 'create', label: 'machine create + boot script + dispose, per machine', unit: 'ms' },
  {
    metric: 'deliver',
    label: `host → guest deliver round trip: a GET request in (${w.MESSAGE_SIZE} B), the receiver's OK reply out (${w.REPLY_SIZE} B)`,
    unit: 'µs',
  },
  {
    metric: 'send',
    label: `guest → host send round trip: a GET request out (${w.MESSAGE_SIZE} B), the host's OK reply in (${w.REPLY_SIZE} B)`,
    unit: 'µs',
  },
];

/** The membrane's rows; `bare` and `compare` say whether the bare membrane and the other engines have the row. */
const membraneRows: { metric: MembraneMetric; label: string; bare: boolean; compare: MembraneMetric }[] = [
  { metric: 'hostCalls', label: 'host → guest call, two numbers in, a number back', bare: true, compare: 'hostCalls' },
  { metric: 'guestCalls', label: 'guest → host call, two numbers in, a number back', bare: true, compare: 'guestCalls' },
  {
    metric: 'smallProperties',
    label: `reading a small guest object's properties from the host (${w.smallKeys.length} keys), per read`,
    bare: true,
    compare: 'smallProperties',
  },
  {
    metric: 'properties',
    label: `reading a guest object's properties from the host (${w.PROPERTIES.toLocaleString('en')} keys), per read`,
    bare: true,
    compare: 'properties',
  },
  {
    metric: 'rows',
    label: `\`rows[i].name\` over ${w.ROWS.toLocaleString('en')} guest objects (two crossings each), per object`,
    bare: true,
    compare: 'rows',
  },
  {
    metric: 'string',
    label: `host → guest call with a ${w.STRING_SIZE / 1024} KiB string argument, a number back`,
    bare: true,
    compare: 'string',
  },
  {
    metric: 'plugin',
    label: "plugin operation: the guest's `console.log('line', i)` reaching the host's writer, per call",
    bare: false,
    compare: 'plugin',
  },
  {
    metric: 'fileHostCalls',
    label: 'host → guest call, two numbers in, a number back — the journal in a FileSink (a temp file, no fsync)',
    bare: false,
    compare: 'hostCalls',
  },
];

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const nativeBinary = fileURLToPath(new URL('../native/xsb-native', import.meta.url));
const wasmFile = fileURLToPath(new URL('../../packages/xs-wasm/dist/wasm/xsb.wasm', import.meta.url));
const buildJson = fileURLToPath(new URL('../../packages/xs-wasm/dist/wasm/build.json', import.meta.url));
const resultsFile = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 9;
if (!(Number.isInteger(rounds) && rounds > 0))
  throw new Error(`--rounds expects a positive integer, got ${process.argv[roundsArg + 1]}`);
for (const file of [nativeBinary, wasmFile]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`node native/build.mjs\` in bench/ and \`pnpm build\` first`);
}

const boot = bootScript(0); // what Engine.createMachine evaluates by default

function nativeRound(): Round {
  const args = ['--boot', boot, '--setup', w.setup, '--fib', w.fib, '--loop', w.loop, '--factory', w.factory, '--send', w.send];
  args.push('--creates', String(w.CREATES), '--delivers', String(w.DELIVERS));
  args.push('--message', Buffer.from(w.MESSAGE).toString('hex'), '--reply', Buffer.from(w.REPLY).toString('hex'));
  const out = JSON.parse(execFileSync(nativeBinary, args, { encoding: 'utf8' }));
  return {
    fib: out.fib,
    loop: out.loop,
    create: out.create / w.CREATES,
    deliver: (out.deliver * 1000) / w.DELIVERS,
    send: (out.send * 1000) / w.SENDS,
    fibValue: out.fibValue,
    loopValue: out.loopValue,
  };
}

function wasmRound(engine: Engine): Round {
  // the host's end of the channel, reduced to what these one-frame messages need: it copies each
  // of the guest's requests out (as Machine.deliver's caller gets them) and answers with w.REPLY
  const frame = (kind: number, payload: Uint8Array) => {
    const bytes = new Uint8Array(HEADER_SIZE + payload.length);
    new DataView(bytes.buffer).setUint32(0, payload.length, true);
    bytes[4] = kind;
    bytes.set(payload, HEADER_SIZE);
    return bytes;
  };
  const reply = frame(KIND_REPLY, w.REPLY);
  const machine = engine.createMachine({ onMessage: () => reply });
  let t: number;
  const round = {} as Round;
  try {
    machine.evaluate(w.setup);
    t = performance.now();
    round.fibValue = machine.evaluate(w.fib) as number;
    round.fib = performance.now() - t;

    t = performance.now();
    round.loopValue = machine.evaluate(w.loop) as number;
    round.loop = performance.now() - t;

    const factory = machine.evaluate(w.factory);
    if (!(factory instanceof Handle)) throw new Error('the factory source did not evaluate to a function');
    machine.connect(factory);
    factory.dispose();
    const message = frame(KIND_MESSAGE, w.MESSAGE);
    let answer: Uint8Array = new Uint8Array(0);
    t = performance.now();
    for (let i = 0; i < w.DELIVERS; i++) {
      answer = machine.deliver(message);
      if (answer.length !== HEADER_SIZE + w.REPLY_SIZE) throw new Error('the receiver replied with the wrong size');
    }
    round.deliver = ((performance.now() - t) * 1000) / w.DELIVERS;
    if (answer[4] !== KIND_REPLY || !w.REPLY.every((byte, i) => answer[HEADER_SIZE + i] === byte))
      throw new Error(`the engine encoded the receiver's reply as ${Buffer.from(answer).toString('hex')}`);

    t = performance.now();
    machine.evaluate(w.send);
    round.send = ((performance.now() - t) * 1000) / w.SENDS;
  } finally {
    machine.dispose();
  }
  t = performance.now();
  for (let i = 0; i < w.CREATES; i++) engine.createMachine().dispose();
  round.create = (performance.now() - t) / w.CREATES;
  return round;
}

function check(side: string, round: Round): void {
  if (round.fibValue !== w.expected.fib || round.loopValue !== w.expected.loop) {
    throw new Error(
      `${side} computed fib ${round.fibValue} and sum ${round.loopValue}, expected ${w.expected.fib} and ${w.expected.loop}`,
    );
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (value: number): string => value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);

const started = performance.now();
const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const wasmBytes = readFileSync(wasmFile);
const t = performance.now();
const engine = loadEngineSync(wasmBytes);
const engineMs = performance.now() - t;
const tq = performance.now();
const quickjs = await newQuickJSWASMModule(RELEASE_SYNC);
const quickjsMs = performance.now() - tq;
const isolatedVm = loadIsolatedVm();
const ivm = 'ivm' in isolatedVm ? isolatedVm.ivm : undefined;
if ('missing' in isolatedVm) console.error(isolatedVm.missing);

const results: { wasm: Round[]; native: Round[] } = { wasm: [], native: [] };
// Round 0 warms up both sides (V8's tiers, the page cache) and is not counted.
for (let r = 0; r <= rounds; r++) {
  const order = r % 2 ? (['wasm', 'native'] as const) : (['native', 'wasm'] as const);
  const done: Partial<Record<'wasm' | 'native', Round>> = {};
  for (const side of order) {
    const round = side === 'wasm' ? wasmRound(engine) : nativeRound();
    check(side, round);
    done[side] = round;
    if (r > 0) results[side].push(round);
  }
  console.error(
    `${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}: ${rows
      .map(({ metric, unit }) => `${metric} ${fmt(done.wasm![metric])}/${fmt(done.native![metric])} ${unit}`)
      .join(', ')} (wasm/native)`,
  );
}

// xsb both ways users meet it (createSandbox, journaled; the bare membrane), the FileSink sandbox,
// quickjs and isolated-vm, each round in a rotating order.
type MembraneSide = 'journaled' | 'bare' | 'file' | 'quickjs' | 'ivm';
const membraneSides: MembraneSide[] = ['journaled', 'bare', 'file', 'quickjs', ...(ivm ? (['ivm'] as const) : [])];
const membraneResults: Record<MembraneSide, MembraneRound[]> = { journaled: [], bare: [], file: [], quickjs: [], ivm: [] };
const journalBytes: number[] = [];
const membraneRound = (side: MembraneSide): MembraneRound => {
  switch (side) {
    case 'journaled':
      return xsbJournaledRound(engine);
    case 'bare':
      return xsbBareRound(engine);
    case 'file': {
      const round = xsbFileRound(engine);
      journalBytes.push(round.journalBytes);
      return round;
    }
    case 'quickjs':
      return quickjsRound(quickjs);
    case 'ivm':
      return ivmMembraneRound(ivm);
  }
};
const membraneMedian = (side: MembraneSide, metric: MembraneMetric): number | undefined => {
  const values = membraneResults[side].map((round) => round[metric]).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : undefined;
};
for (let r = 0; r <= rounds; r++) {
  const order = membraneSides.map((_, i) => membraneSides[(i + r) % membraneSides.length]!);
  const done: Partial<Record<MembraneSide, MembraneRound>> = {};
  for (const side of order) {
    const round = membraneRound(side);
    for (const [metric, value] of Object.entries(round.values)) {
      const expected = w.expectedMembrane[metric as MembraneMetric];
      if (value !== expected) throw new Error(`${side} computed ${value} for ${metric}, expected ${expected}`);
    }
    done[side] = round;
    if (r > 0) membraneResults[side].push(round);
  }
  const figure = (side: MembraneSide, metric: MembraneMetric) => {
    const value = done[side]?.[metric];
    return value === undefined ? '–' : fmt(value);
  };
  console.error(
    `membrane ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}: ${membraneRows
      .map(({ metric, compare }) =>
        metric === 'fileHostCalls'
          ? `${metric} ${figure('file', metric)} µs`
          : `${metric} ${figure('journaled', metric)}/${figure('bare', metric)}/${figure('quickjs', compare)} µs`,
      )
      .join(', ')} (journaled/bare/quickjs)`,
  );
}

// Whole sandboxes: xsb, quickjs and node:vm, interleaved the same way.
const sandboxEngine = await loadSandboxEngine();
const sandboxResults: Record<Side, SandboxRound[]> = { xsb: [], quickjs: [], ivm: [], vm: [] };
const sides: Side[] = ivm ? ['xsb', 'quickjs', 'ivm', 'vm'] : ['xsb', 'quickjs', 'vm'];
const allSides: Side[] = ['xsb', 'quickjs', 'ivm', 'vm'];
for (let r = 0; r <= rounds; r++) {
  const order = sides.map((_, i) => sides[(i + r) % sides.length]!);
  for (const side of order) {
    const round =
      side === 'xsb'
        ? xsbSandboxRound(sandboxEngine)
        : side === 'quickjs'
          ? quickjsSandboxRound(quickjs)
          : side === 'ivm'
            ? ivmSandboxRound(ivm, CREATIONS)
            : vmSandboxRound();
    for (const [metric, value] of Object.entries(round.values)) {
      const expected = sandboxResults.vm[0]?.values[metric as 'json'] ?? (side === 'vm' ? value : undefined);
      if (expected !== undefined && value !== expected)
        throw new Error(`${side} computed ${value} for ${metric}, node:vm ${expected}`);
    }
    if (r > 0 || side === 'vm') sandboxResults[side].push(round);
  }
  console.error(`sandboxes ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}`);
}
sandboxResults.vm.shift(); // the warm-up round, kept only to check the others against
const coldStarts: Record<'xsb' | 'quickjs', number[]> = { xsb: [], quickjs: [] };
for (let r = 0; r < 5; r++)
  for (const side of r % 2 ? (['xsb', 'quickjs'] as const) : (['quickjs', 'xsb'] as const))
    coldStarts[side].push(coldStart(side));
const idleBytes = xsbIdleBytes();

const sandboxRows: { metric: SandboxMetric; label: string; sides: Side[] }[] = [
  { metric: 'fib', label: `fib(${w.FIB_N}), recursive`, sides },
  { metric: 'loop', label: `summing loop, ${w.LOOP_N.toExponential().replace('+', '')} iterations`, sides },
  {
    metric: 'json',
    label: `${w.JSON_OBJECTS.toLocaleString('en')} small objects through JSON.stringify and JSON.parse, in the guest`,
    sides,
  },
  {
    metric: 'regex',
    label: `regular expressions and string building over ${w.REGEX_LINES.toLocaleString('en')} lines, in the guest`,
    sides,
  },
  { metric: 'create', label: 'sandbox creation + dispose', sides },
  { metric: 'snapshot', label: 'snapshot of a sandbox holding ~1 MiB of objects', sides: ['xsb'] },
  { metric: 'restore', label: 'restore of that snapshot (restoreSandbox)', sides: ['xsb'] },
];
const cell = (side: Side, metric: SandboxMetric) => {
  const values = sandboxResults[side].map((round) => round[metric]).filter((v): v is number => v !== undefined);
  return values.length ? median(values) : undefined;
};
const show = (value: number | undefined) => (value === undefined ? '–' : `${fmt(value)} ms`);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`;
const sandboxTable = [
  '| workload | xsb | quickjs | isolated-vm | node:vm | xsb/quickjs | xsb/isolated-vm | xsb/node:vm |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...sandboxRows.map(({ metric, label }) => {
    const [x, q, i, v] = allSides.map((side) => cell(side, metric));
    return `| ${label} | ${show(x)} | ${show(q)} | ${show(i)} | ${show(v)} | ${ratio(x, q)} | ${ratio(x, i)} | ${ratio(x, v)} |`;
  }),
  `| cold start: a fresh Node process to a first result (module loads included) | ${show(median(coldStarts.xsb))} | ${show(median(coldStarts.quickjs))} | – | – | ${ratio(median(coldStarts.xsb), median(coldStarts.quickjs))} | – | – |`,
  `| memory per idle sandbox (wasm memory growth over 100 live sandboxes) | ${(idleBytes / 1024).toFixed(0)} KiB | – | – | – | – | – | – |`,
].join('\n');

const range = (values: number[]) => `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`;
const table = [
  '| workload | wasm median | native median | ratio wasm/native | range wasm; native |',
  '|---|---:|---:|---:|---|',
  ...rows.map(({ metric, label, unit }) => {
    const wasm = results.wasm.map((round) => round[metric]);
    const native = results.native.map((round) => round[metric]);
    const ratio = median(wasm) / median(native);
    return `| ${label} | ${fmt(median(wasm))} ${unit} | ${fmt(median(native))} ${unit} | ${ratio.toFixed(2)}× | ${range(wasm)}; ${range(native)} ${unit} |`;
  }),
].join('\n');

const micro = (value: number | undefined) => (value === undefined ? '–' : `${fmt(value)} µs`);
const membraneTable = [
  '| workload | xsb, createSandbox (journaled) | xsb, bare membrane | quickjs | isolated-vm | journaled/quickjs | bare/quickjs | journaled/isolated-vm | bare/isolated-vm | range journaled; bare; quickjs |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ...membraneRows.map(({ metric, label, bare, compare }) => {
    const journaledSide: MembraneSide = metric === 'fileHostCalls' ? 'file' : 'journaled';
    const j = membraneMedian(journaledSide, metric);
    const b = bare ? membraneMedian('bare', metric) : undefined;
    const q = membraneMedian('quickjs', compare);
    const i = membraneMedian('ivm', compare);
    const spread = (side: MembraneSide, m: MembraneMetric) => {
      const values = membraneResults[side].map((round) => round[m]).filter((v): v is number => v !== undefined);
      return values.length ? range(values) : '–';
    };
    const ranges = `${spread(journaledSide, metric)}; ${bare ? spread('bare', metric) : '–'}; ${spread('quickjs', compare)} µs`;
    return `| ${label} | ${micro(j)} | ${micro(b)} | ${micro(q)} | ${micro(i)} | ${ratio(j, q)} | ${ratio(b, q)} | ${ratio(j, i)} | ${ratio(b, i)} | ${ranges} |`;
  }),
].join('\n');

const gzip = gzipSync(wasmBytes, { level: 9 }).length;
const buildId = existsSync(buildJson) ? JSON.parse(readFileSync(buildJson, 'utf8')).buildId : 'unknown';
let gcc = 'gcc';
try {
  gcc = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0]!;
} catch {}
const notes = [
  `- xsb.wasm: ${wasmBytes.length.toLocaleString('en')} bytes raw, ${gzip.toLocaleString('en')} bytes gzip -9 (build ${buildId}).`,
  `- Engine load (compile + instantiate, synchronous, once): ${fmt(engineMs)} ms.`,
  `- Native: the same XS sources, defines and glue (c/xsb.c) with ${gcc} -O2 (native/build.mjs); native/xsb-native is ${statSync(nativeBinary).size.toLocaleString('en')} bytes.`,
  `- Medians of ${rounds} rounds after one warm-up round. Each round runs native (a fresh child process) and wasm (this Node process, one engine, a fresh machine) back to back, alternating which goes first. Per round: ${w.CREATES} machines, ${w.DELIVERS.toLocaleString('en')} deliveries, ${w.SENDS.toLocaleString('en')} sends; both sides check fib and the sum.`,
  `- The deliver and send rows are the raw pump (Machine.connect / deliver, no membrane) speaking the membrane's binary protocol: each delivery is one MESSAGE frame of \`encodeMessage(${JSON.stringify(w.DELIVERED_REQUEST)})\`, which the guest's receiver gets decoded and answers with \`${JSON.stringify(w.REPLY_VALUE)}\`, encoded by the engine (checked byte for byte); the guest sends that request structure ${w.SENDS.toLocaleString('en')} times from one loop and the host answers each with the REPLY frame of \`encodeMessage(${JSON.stringify(w.REPLY_VALUE)})\`, which the guest gets decoded. The native host (native/host.c) gets the same bytes in hex.`,
  '- Machine creation includes the boot script that Engine.createMachine evaluates (bootScript(0)); the native host evaluates the same source.',
  `- Load average at start: ${loadAtStart}; total run ${((performance.now() - started) / 1000).toFixed(0)} s.`,
].join('\n');

const quickjsVersion = JSON.parse(
  readFileSync(fileURLToPath(new URL('../node_modules/quickjs-emscripten/package.json', import.meta.url)), 'utf8'),
).version;
const membraneNotes = [
  `- Two xsb columns, the two ways users meet the membrane. **createSandbox (journaled)**: \`createSandbox({ engine, endowments: { hostAdd }, plugins: [[consolePlugin, write]] })\` from @xsb/sandbox, a fresh sandbox per round, the journal on in its default MemorySink: every crossing is journaled. **bare membrane**: \`attachMembrane(engine.createMachine())\` from @xsb/membrane with \`defineGlobals({ hostAdd })\`, no journal, no plugins. The FileSink row is a third xsb side: \`createSandbox({ engine, journal: new FileSink(path) })\` (@xsb/sandbox/node; fsync off, its default) on a new file in the OS's temp folder per round, ${journalBytes.length ? `${fmt(median(journalBytes))} bytes of journal per call` : 'no rounds'}; its quickjs and isolated-vm cells are their plain host → guest calls.`,
  `- The workloads, per round: ${w.HOST_CALLS.toLocaleString('en')} calls of the proxy of \`evaluate('${w.add}')\`; ${w.GUEST_CALLS.toLocaleString('en')} calls of the host's hostAdd from one guest loop (the whole evaluation, divided); ${w.SMALL_READS.toLocaleString('en')} reads of \`${w.smallObject}\` (its 5 keys in turn) and one read of each of ${w.PROPERTIES.toLocaleString('en')} keys of a bigger object, keys made on the host; \`rows[i].name\` for each of ${w.ROWS.toLocaleString('en')} guest objects \`{ id, name }\` (the row's proxy, then its name); ${w.STRING_CALLS.toLocaleString('en')} calls of \`${w.measure}\` with a ${w.STRING_SIZE}-character ASCII string; ${w.LOGS.toLocaleString('en')} \`console.log('line', i)\` from one guest loop (xsb: the console plugin, @xsb/plugin-console, which formats in the guest and crosses once per line).`,
  `- quickjs-emscripten ${quickjsVersion}, its release-sync build (newQuickJSWASMModule(RELEASE_SYNC)), a fresh context per round: vm.callFunction on a function handle with vm.newNumber / vm.newString arguments, vm.getNumber on the result, every handle disposed; a vm.newFunction host function set on the global and called from one evalCode loop (likewise timed whole); vm.getProp on the object's handle for each key (rows: getProp(rows, i), getProp(row, 'name'), getString), vm.getNumber and dispose; console.log as its README shows it, a vm.newFunction that vm.dump()s its arguments. Module load: ${fmt(quickjsMs)} ms.`,
  `- isolated-vm: ${'version' in isolatedVm ? `${isolatedVm.version}, a fresh Isolate per round: References to the guest's functions called with applySync, a host function set on the context's global (called synchronously from one guest loop), getSync on a Reference to the object for each key (rows: getSync(i, { reference: true }) then getSync('name')), console.log a host function set on the global` : isolatedVm.missing}.`,
  `- Every side evaluates the same guest sources (src/workloads.ts) and checks what it computed; the sides run back to back in this process, taking turns going first; medians of ${rounds} rounds after one warm-up round.`,
  "- The goals (issue 15), through createSandbox: a host → guest call at most 2× quickjs-emscripten's handle call (stretch: 1×), a guest → host call at most 1× its newFunction call, a small object's property read at most 2 µs.",
].join('\n');

const sandboxNotes = [
  `- xsb: \`createSandbox({ engine })\` from @xsb/sandbox (no plugins), evaluate; creation is ${CREATIONS} sandboxes created and disposed, per sandbox; the snapshot and restore go through the journal API (restoreSandbox with the journal and the snapshot). quickjs: \`newContext()\`, \`evalCode\`. node:vm: \`vm.createContext({})\`, \`vm.runInContext\` (the host's V8 with its JIT: not isolating, the reference for compiled speed).`,
  '- Cold start: `node --input-type=module -e` importing the built packages from bench/, timed with `performance.now()` at the first result; medians of 5 each, alternating.',
  `- isolated-vm: ${'version' in isolatedVm ? `${isolatedVm.version}, built from its npm tarball by isolated-vm/build.mjs (no prebuilt binary for Node 20); a fresh Isolate per round (createContextSync, compileScriptSync, runSync; creation includes createContextSync)` : isolatedVm.missing}.`,
  `- Medians of ${rounds} rounds after one warm-up round; the sides take turns going first; every side's results are checked against node:vm's.`,
].join('\n');

const cpu = cpus();
const markdown = `# xsb benchmark: wasm against native, the membrane and whole sandboxes against quickjs-emscripten

Measured ${new Date().toISOString()} with \`pnpm bench\` (root; runs \`pnpm --filter @xsb/bench bench\`:
\`pnpm --filter @xsb/membrane build:wet && node native/build.mjs && node --enable-source-maps --conditions=source --import ../scripts/register-ts.mjs src/bench.ts\` in bench/).
Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}.

## wasm against native

${table}

${notes}

## The membrane against quickjs-emscripten and isolated-vm

Per operation. xsb twice: through createSandbox (the journal on) and through the bare membrane (attachMembrane, no journal).

${membraneTable}

${membraneNotes}

## Whole sandboxes: xsb, quickjs-emscripten and node:vm

${sandboxTable}

${sandboxNotes}
`;
writeFileSync(resultsFile, markdown);
console.log(`\n${markdown}\nWritten to ${resultsFile.replace(benchDir, 'bench/')}`);
