// The playground: a guest module in a sandbox with virtual timers, a meter and a console; its
// exports to call, snapshots kept in IndexedDB, and the journal of everything that crossed.
import { describeEntry } from '@xsb/journal';
import { consolePlugin } from '@xsb/plugin-console';
import { type Metering, meteringPlugin } from '@xsb/plugin-metering';
import { type Timers, timersPlugin } from '@xsb/plugin-timers';
import {
  createSandbox,
  type Engine,
  GuestError,
  type JournalEntry,
  loadEngine,
  MachineDeadError,
  MemorySink,
  MeterExhaustedError,
  type PluginUse,
  restoreSandbox,
  type Sandbox,
} from '@xsb/sandbox';
import { deleteSnapshot, listSnapshots, type Saved, saveSnapshot } from './store.js';

const DEFAULT_SOURCE = `// A counter service: its exports appear on the right.
let count = 0;
const history = [];

export function increment(by = 1) {
  count += by;
  history.push(new Date().toISOString().slice(11, 19) + ' → ' + count);
  return count;
}

export function later(ms) {
  setTimeout(() => console.log('later: count is', increment(10)), ms);
  return 'in ' + ms + ' ms of virtual time';
}

export function ticker() {
  setInterval(() => console.log('tick at', new Date().toISOString()), 1000);
  return 'ticking every virtual second';
}

// a runaway loop: the meter stops it, and the sandbox carries on
export function spin() {
  for (;;) {}
}

export const report = () => ({ count, history });
`;

const START = Date.UTC(2026, 0, 1);
const MODULE = '/main.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] => {
  const node: HTMLElementTagNameMap[K] = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

interface Live {
  readonly sandbox: Sandbox;
  readonly journal: MemorySink;
  readonly source: string;
  readonly exports: Record<string, unknown>;
}

let engine: Engine;
let live: Live | undefined;
let lastUsed = 0;

const timers = () => live?.sandbox.plugins.timers as Timers;
const metering = () => live?.sandbox.plugins.metering as Metering;
const format = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : (live?.sandbox.plugins.console as { format(v: unknown): string }).format(value);

function log(stream: 'out' | 'err' | 'host', line: string): void {
  const list = $('console');
  list.append(
    el('li', { className: stream }, el('time', {}, live ? new Date(timers().now()).toISOString().slice(11, 23) : ''), line),
  );
  list.scrollTop = list.scrollHeight;
}

function plugins(perCall: number): PluginUse[] {
  return [
    [timersPlugin, { start: START }],
    [meteringPlugin, { perCall }],
    [consolePlugin, (stream: 'out' | 'err', line: string) => log(stream, line)],
  ];
}

/** An error as the page shows it, in the place it happened. */
function show(where: string, error: unknown): void {
  const target = $(where);
  target.hidden = error === undefined;
  if (error === undefined) return;
  if (error instanceof MeterExhaustedError)
    target.textContent = `Stopped by the meter after ${error.used.toLocaleString()} units; the sandbox carries on.`;
  else target.textContent = describe(error);
  if (error instanceof MachineDeadError) refresh();
}

function describe(error: unknown): string {
  if (error instanceof MeterExhaustedError) return `stopped by the meter after ${error.used.toLocaleString()} units`;
  // what the guest threw, by the guest's name for it (a thrown string or object has none)
  if (error instanceof GuestError) return error.value instanceof Error ? `${error.guestName}: ${error.message}` : error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function start(next: Live): void {
  live?.sandbox.dispose();
  live = next;
  $<HTMLButtonElement>('save').disabled = false;
  renderExports();
  refresh();
}

function run(): void {
  const source = $<HTMLTextAreaElement>('source').value;
  const journal = new MemorySink();
  try {
    const sandbox = createSandbox({
      engine,
      plugins: plugins(Number($<HTMLInputElement>('per-call').value) || 0),
      modules: { load: (name) => (name === MODULE ? source : missing(name)) },
      journal,
    });
    try {
      start({ sandbox, journal, source, exports: sandbox.evaluateModule(MODULE) as Record<string, unknown> });
      show('run-error', undefined);
      log('host', 'a new sandbox ran /main.js');
    } catch (error) {
      sandbox.dispose();
      throw error;
    }
  } catch (error) {
    show('run-error', error);
  }
}

function missing(name: string): never {
  throw new Error(`the playground has only /main.js, not ${name}`);
}

function renderExports(): void {
  const list = $('exports');
  list.replaceChildren();
  if (!live) return;
  const names = Object.keys(live.exports);
  if (names.length === 0) list.append(el('li', { className: 'muted' }, 'The module exports nothing.'));
  for (const name of names) {
    const value = live.exports[name];
    if (typeof value !== 'function') {
      list.append(el('li', {}, el('code', {}, name), ' = ', el('span', { className: 'value' }, format(value))));
      continue;
    }
    const args = el('input', { placeholder: 'arguments', className: 'args' });
    const result = el('output', { className: 'value' });
    const call = el('button', { textContent: 'Call' });
    call.dataset.call = name;
    call.addEventListener('click', () => {
      result.classList.remove('error');
      try {
        const parsed = JSON.parse(`[${args.value}]`) as unknown[];
        result.textContent = `→ ${format((live!.exports[name] as (...a: unknown[]) => unknown)(...parsed))}`;
      } catch (error) {
        result.classList.add('error');
        result.textContent = describe(error);
      }
      refresh();
    });
    list.append(el('li', {}, el('code', {}, `${name}(`), args, el('code', {}, ')'), call, result));
  }
}

function advance(ms: number): void {
  if (!live) return;
  try {
    const fired = timers().advance(ms);
    for (const error of fired.errors) log('err', `a timer callback threw ${error}`);
    show('time-error', undefined);
  } catch (error) {
    show('time-error', error);
  }
  refresh();
}

async function save(): Promise<void> {
  if (!live) return;
  try {
    await saveSnapshot({
      at: new Date().toISOString(),
      source: live.source,
      perCall: metering().perCall,
      snapshot: live.sandbox.snapshot(),
      journal: live.journal.bytes(),
    });
    show('snapshot-error', undefined);
    log('host', 'snapshot taken');
  } catch (error) {
    show('snapshot-error', error);
  }
  await renderSaved();
  refresh();
}

function restore(saved: Saved): void {
  try {
    const journal = new MemorySink();
    const started = performance.now();
    const { sandbox, report } = restoreSandbox({
      engine,
      journal: saved.journal,
      snapshot: saved.snapshot,
      plugins: plugins(saved.perCall),
      modules: { load: (name) => (name === MODULE ? saved.source : missing(name)) },
      sink: journal,
    });
    // the module is in the restored heap: importing it again finds it, without loading
    start({ sandbox, journal, source: saved.source, exports: sandbox.evaluateModule(MODULE) as Record<string, unknown> });
    $<HTMLTextAreaElement>('source').value = saved.source;
    log(
      'host',
      `restored the snapshot of ${saved.at} in ${(performance.now() - started).toFixed(0)} ms (${report.replayed} journal entries replayed)`,
    );
    show('snapshot-error', undefined);
  } catch (error) {
    show('snapshot-error', error);
  }
}

async function renderSaved(): Promise<void> {
  const list = $('saved');
  const saved = await listSnapshots();
  list.replaceChildren(...(saved.length ? [] : [el('li', { className: 'muted' }, 'None yet.')]));
  for (const entry of saved.reverse()) {
    const restoreButton = el('button', { textContent: 'Restore', className: 'restore' });
    restoreButton.addEventListener('click', () => restore(entry));
    const remove = el('button', { textContent: 'Delete', className: 'quiet' });
    remove.addEventListener('click', async () => {
      await deleteSnapshot(entry.id);
      await renderSaved();
    });
    const kb = (bytes: Uint8Array) => `${(bytes.length / 1024).toFixed(0)} KB`;
    list.append(
      el(
        'li',
        {},
        el('span', {}, `${entry.at.replace('T', ' ').slice(0, 19)}`),
        el('span', { className: 'muted' }, ` ${kb(entry.snapshot)} + journal ${kb(entry.journal)}`),
        restoreButton,
        remove,
      ),
    );
  }
}

/** One journal entry, readable: its kind and what it says; a click shows the message itself. */
function renderEntry(entry: JournalEntry, index: number): HTMLLIElement {
  // the message as describeMessage reads it (a text kind's text), without the kind in front
  const line = describeEntry(entry, Number.POSITIVE_INFINITY).slice(entry.kind.length + 1);
  const short = line.length > 160 ? `${line.slice(0, 160)}…` : line;
  const item = el(
    'li',
    { className: `entry ${entry.kind}`, title: 'click for the message as journaled' },
    el('span', { className: 'index' }, String(index)),
    el('span', { className: 'kind' }, entry.kind),
    el('code', {}, short),
  );
  item.addEventListener('click', () => {
    item.querySelector('code')!.textContent = item.classList.toggle('open') ? line : short;
  });
  return item;
}

function refresh(): void {
  const status = $('status');
  if (!live) return;
  try {
    const t = timers();
    $('now').textContent = new Date(t.now()).toISOString().replace('T', ' ').slice(0, 23);
    const pending = t.pending();
    $('pending').textContent = pending ? `${pending} timer(s) pending` : 'no timers pending';
    const meter = metering();
    $('meter-used').textContent = `${meter.used.toLocaleString()} units used`;
    $('meter-left').textContent = meter.perCall ? `of ${meter.perCall.toLocaleString()} per call` : 'no limit per call';
    // the gauge: the last call's share of the per-call limit, as the meter's reading moved
    const spent = meter.used - lastUsed;
    lastUsed = meter.used;
    $('gauge-fill').style.width = meter.perCall ? `${Math.min(100, (spent / meter.perCall) * 100)}%` : '0';
    status.textContent = 'alive';
    status.className = 'badge alive';
  } catch (error) {
    status.textContent = error instanceof MachineDeadError ? `dead: ${error.message}` : describe(error);
    status.className = 'badge dead';
  }
  const entries = live.sandbox.journal;
  $('journal-count').textContent = `(${entries.length} entries)`;
  const shown = entries.slice(-200);
  const offset = entries.length - shown.length;
  $('journal').replaceChildren(...shown.map((entry, i) => renderEntry(entry, offset + i)));
}

async function main(): Promise<void> {
  $<HTMLTextAreaElement>('source').value = DEFAULT_SOURCE;
  const started = performance.now();
  engine = await loadEngine();
  $('engine').textContent =
    `XS in WebAssembly, build ${engine.buildId}, loaded in ${(performance.now() - started).toFixed(0)} ms`;
  $<HTMLButtonElement>('run').disabled = false;
  $('run').addEventListener('click', run);
  $('save').addEventListener('click', () => void save());
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-advance]')) {
    button.addEventListener('click', () => advance(Number(button.dataset.advance)));
  }
  $<HTMLInputElement>('per-call').addEventListener('change', (event) => {
    if (!live) return;
    try {
      metering().perCall = Number((event.target as HTMLInputElement).value) || 0;
    } catch (error) {
      show('run-error', error);
    }
    refresh();
  });
  await renderSaved();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  $('engine').textContent = `the engine did not load: ${describe(error)}`;
  $('engine').className = 'error';
});
