// Runs the workloads on xsb in wasm (through the TypeScript API, in this process) and on the same
// XS sources and glue built natively (native/xsb-native, a fresh child process per round),
// interleaved round by round so that machine noise hits both alike. Then the membrane's workloads
// (membrane.ts) on xsb and on quickjs-emscripten, both in this process, interleaved the same way.
// Prints two markdown tables of medians and writes them to RESULTS.md.
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
import { type MembraneMetric, type MembraneRound, quickjsRound, xsbRound } from './membrane.js';
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
  { metric: 'deliver', label: `host → guest deliver round trip (${w.MESSAGE_SIZE} B in, ${w.REPLY_SIZE} B reply)`, unit: 'µs' },
  { metric: 'send', label: `guest → host send round trip (${w.MESSAGE_SIZE} B out, ${w.REPLY_SIZE} B reply)`, unit: 'µs' },
];

const membraneRows: { metric: MembraneMetric; label: string }[] = [
  { metric: 'hostCalls', label: 'host → guest call, two numbers in, a number back' },
  { metric: 'guestCalls', label: 'guest → host call, two numbers in, a number back' },
  {
    metric: 'properties',
    label: `reading a guest object's properties from the host (${w.PROPERTIES.toLocaleString('en')} keys), per property`,
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
  // the host's end of the channel, reduced to what these one-frame messages need
  const frame = (kind: number, size: number, fill: number) => {
    const bytes = new Uint8Array(HEADER_SIZE + size).fill(fill, HEADER_SIZE);
    bytes[0] = size;
    bytes[4] = kind;
    return bytes;
  };
  const reply = frame(KIND_REPLY, w.REPLY_SIZE, 0x72);
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
    const message = frame(KIND_MESSAGE, w.MESSAGE_SIZE, 0x6d);
    t = performance.now();
    for (let i = 0; i < w.DELIVERS; i++) {
      if (machine.deliver(message).length !== HEADER_SIZE + w.REPLY_SIZE)
        throw new Error('the receiver replied with the wrong size');
    }
    round.deliver = ((performance.now() - t) * 1000) / w.DELIVERS;

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

type MembraneSide = 'xsb' | 'quickjs' | 'ivm';
const membraneSides: MembraneSide[] = ivm ? ['xsb', 'quickjs', 'ivm'] : ['xsb', 'quickjs'];
const membraneResults: Record<MembraneSide, MembraneRound[]> = { xsb: [], quickjs: [], ivm: [] };
for (let r = 0; r <= rounds; r++) {
  const order = membraneSides.map((_, i) => membraneSides[(i + r) % membraneSides.length]!);
  const done: Partial<Record<MembraneSide, MembraneRound>> = {};
  for (const side of order) {
    const round = side === 'xsb' ? xsbRound(engine) : side === 'quickjs' ? quickjsRound(quickjs) : ivmMembraneRound(ivm);
    for (const [metric, value] of Object.entries(round.values)) {
      const expected = w.expectedMembrane[metric as MembraneMetric];
      if (value !== expected) throw new Error(`${side} computed ${value} for ${metric}, expected ${expected}`);
    }
    done[side] = round;
    if (r > 0) membraneResults[side].push(round);
  }
  console.error(
    `membrane ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}: ${membraneRows
      .map(({ metric }) => `${metric} ${fmt(done.xsb![metric])}/${fmt(done.quickjs![metric])} µs`)
      .join(', ')} (xsb/quickjs)`,
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

const membraneTable = [
  '| workload | xsb median | quickjs median | isolated-vm median | xsb/quickjs | xsb/isolated-vm | range xsb; quickjs |',
  '|---|---:|---:|---:|---:|---:|---|',
  ...membraneRows.map(({ metric, label }) => {
    const xsb = membraneResults.xsb.map((round) => round[metric]);
    const qjs = membraneResults.quickjs.map((round) => round[metric]);
    const iv = membraneResults.ivm.map((round) => round[metric]);
    const ivCells = iv.length ? [`${fmt(median(iv))} µs`, `${(median(xsb) / median(iv)).toFixed(2)}×`] : ['–', '–'];
    return `| ${label} | ${fmt(median(xsb))} µs | ${fmt(median(qjs))} µs | ${ivCells[0]} | ${(median(xsb) / median(qjs)).toFixed(2)}× | ${ivCells[1]} | ${range(xsb)}; ${range(qjs)} µs |`;
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
  '- Machine creation includes the boot script that Engine.createMachine evaluates (bootScript(0)); the native host evaluates the same source.',
  `- Load average at start: ${loadAtStart}; total run ${((performance.now() - started) / 1000).toFixed(0)} s.`,
].join('\n');

const quickjsVersion = JSON.parse(
  readFileSync(fileURLToPath(new URL('../node_modules/quickjs-emscripten/package.json', import.meta.url)), 'utf8'),
).version;
const membraneNotes = [
  `- xsb: a fresh machine per round with the membrane attached (attachMembrane from @xsb/membrane); the host calls the proxy of \`membrane.evaluateScript('${w.add}')\` ${w.HOST_CALLS.toLocaleString('en')} times, the guest calls a host function installed with defineGlobals ${w.GUEST_CALLS.toLocaleString('en')} times from one evaluateScript loop (the time of the whole evaluation, divided), and the host reads each of ${w.PROPERTIES.toLocaleString('en')} properties of a guest object through its proxy once, with keys made on the host side.`,
  `- quickjs-emscripten ${quickjsVersion}, its release-sync build (newQuickJSWASMModule(RELEASE_SYNC)), a fresh context per round: vm.callFunction on a function handle with two vm.newNumber arguments, vm.getNumber on the result, every handle disposed; a vm.newFunction host function set on the global and called from one evalCode loop (likewise timed whole); vm.getProp on the object's handle for each key, vm.getNumber and dispose. Module load: ${fmt(quickjsMs)} ms.`,
  `- Both sides evaluate the same guest sources (src/workloads.ts), check what they computed, and run back to back in this process, alternating which goes first; medians of ${rounds} rounds after one warm-up round.`,
  `- isolated-vm: ${'version' in isolatedVm ? `${isolatedVm.version}, a fresh Isolate per round: a Reference to the guest function called with applySync, a host function set on the context's global (called synchronously from one guest loop), and getSync on a Reference to the object for each key` : isolatedVm.missing}.`,
  '- Reference figures (the issue): quickjs-emscripten was measured here earlier at 2.4 µs per host → guest call and 6.3 µs per guest → host call; the goal for xsb is at most 1 µs host → guest and 1.5 µs guest → host.',
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

## The membrane against quickjs-emscripten

Per operation.

${membraneTable}

${membraneNotes}

## Whole sandboxes: xsb, quickjs-emscripten and node:vm

${sandboxTable}

${sandboxNotes}
`;
writeFileSync(resultsFile, markdown);
console.log(`\n${markdown}\nWritten to ${resultsFile.replace(benchDir, 'bench/')}`);
