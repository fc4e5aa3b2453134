// The quick start's demo: a ledger service (guest/ledger.js) in a sandbox with virtual timers and
// a meter, called synchronously from the host and kept in a folder. Each run restores the sandbox
// from the folder's snapshot and journal, carries on for a day of virtual time, and saves.
//
//   node demo.mjs [folder] [--fresh]      (default folder: examples/demo/state)
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { meteringPlugin } from '@xsb/plugin-metering';
import { timersPlugin } from '@xsb/plugin-timers';
import { EngineMismatchError, JournalError, loadEngine, MeterExhaustedError, SnapshotFormatError } from '@xsb/sandbox';
import { folderModuleHost, openSandboxFolder } from '@xsb/sandbox/node';

const args = process.argv.slice(2);
const folder = args.find((arg) => !arg.startsWith('--')) ?? new URL('./state', import.meta.url).pathname;
if (args.includes('--fresh')) rmSync(folder, { recursive: true, force: true });

const DAY = 24 * 60 * 60 * 1000;
const PER_CALL = 2_000_000;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (since) => `${(performance.now() - since).toFixed(0)} ms`;

let started = performance.now();
const engine = await loadEngine();
console.log(`xsb demo: XS ${engine.buildId} loaded in ${ms(started)}; the sandbox lives in ${folder}`);

// The same plugins, endowments and module host on every run: a restore binds them again.
started = performance.now();
const open = () =>
  openSandboxFolder(folder, {
    engine,
    plugins: [
      [timersPlugin, { start: Date.UTC(2026, 0, 1) }],
      [meteringPlugin, { perCall: PER_CALL, total: 20 * PER_CALL }],
    ],
    endowments: { print: (line) => console.log(String(line)) },
    // the guest imports from guest/ and nothing else the host can read
    modules: folderModuleHost({ root: fileURLToPath(new URL('./guest', import.meta.url)) }),
  });
let ledgerFolder;
try {
  ledgerFolder = open();
} catch (error) {
  // a folder written by another version of xsb, or damaged: say so, and how to start over
  if (!(error instanceof JournalError || error instanceof SnapshotFormatError || error instanceof EngineMismatchError))
    throw error;
  console.error(`${error.name}: ${error.message}\nThe demo's folder cannot be restored; \`pnpm demo --fresh\` starts over.`);
  process.exit(1);
}
const { sandbox, report } = ledgerFolder;
const timers = sandbox.plugins.timers;
const metering = sandbox.plugins.metering;
if (report) {
  console.log(
    `restored in ${ms(started)}: ${report.fromSnapshot ? 'a snapshot, then ' : ''}${report.replayed} journal entries replayed` +
      `${report.tornBytes ? ` (a torn write of ${report.tornBytes} bytes cut off)` : ''}`,
  );
} else {
  console.log(`a new sandbox, created in ${ms(started)}`);
}

// The guest's module, imported through the host's loader; after a restore the same instance,
// with its state, comes back by specifier.
const ledger = sandbox.evaluateModule('./ledger.js');
const today = new Date(timers.now()).toISOString().slice(0, 10);
console.log(`virtual date ${today}; the ledger has ${ledger.entries()} entries: ${ledger.statement() || 'no accounts yet'}`);

const day = Math.round(timers.now() - Date.UTC(2026, 0, 1)) / DAY;
for (const [who, amount] of [
  ['ada', 100 + day],
  ['bob', 40],
]) {
  console.log(`host: deposit(${who}, ${amount}) -> ${ledger.deposit(who, amount)}`);
}
console.log('host: advancing virtual time by one day');
timers.advance(DAY);

try {
  ledger.spin();
} catch (error) {
  if (!(error instanceof MeterExhaustedError)) throw error;
  console.log(`host: ledger.spin() ran away and the meter stopped it after ${error.used.toLocaleString()} units`);
}
if (metering.remaining < 2 * PER_CALL) {
  metering.refill(10 * PER_CALL);
  console.log('host: the guest had little budget left; refilled it');
}
console.log(
  `meter: ${metering.used.toLocaleString()} units used over all runs, ${metering.remaining.toLocaleString()} left; the guest can read none of it`,
);
console.log(`statement: ${ledger.statement()}`);

ledgerFolder.save();
console.log(
  `saved: snapshot ${kb(readFileSync(ledgerFolder.files.snapshot).length)}, journal ${kb(readFileSync(ledgerFolder.files.journal).length)}.` +
    ' Run `pnpm demo` again to carry on from here; `pnpm demo --fresh` starts over.',
);
ledgerFolder.close();
