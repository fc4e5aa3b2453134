// What journaling costs per entry: the work Recorder.#record does for each message that crosses
// (the id tables read it, the entry is framed and checksummed, the sink gets it, the digest goes
// on), over a mix of requests and replies like a sandbox's, with a MemorySink. No machine: the
// crossings themselves are not timed.
//   node --conditions=source --import ../../scripts/register-ts.mjs bench/record.ts
import { encodeMessage, type Message } from '@xsb/membrane';
import { crc32 } from '../src/crc32.js';
import type { EntryKind, JournalEntry } from '../src/entries.js';
import { EntryEncoder, kindByte } from '../src/format.js';
import { MemorySink } from '../src/sink.js';
import { Tables } from '../src/tables.js';

const mix: [EntryKind, Message][] = [
  ['toGuest', { op: 'apply', t: { $: 'd', id: 3 }, self: undefined, args: [1, 'hello'] }],
  ['fromGuest', { op: 'get', t: { $: 'd', id: 7 }, k: 'length' }],
  ['hostReply', { ok: 5 }],
  ['fromGuest', { op: 'apply', t: { $: 'd', id: 8 }, self: undefined, args: ['tick 102', { $: 's', id: 12, k: 'o' }] }],
  ['hostReply', { ok: { $: 's', id: 40, k: 'f', n: 'log' } }],
  ['guestReply', { ok: { $: 's', id: 9, k: 'o' } }],
];
const messages = mix.map(([kind, message]) => [kind, encodeMessage(message)] as const);
const N = 200_000;
for (let round = 0; round < 5; round++) {
  const sink = new MemorySink();
  const tables = new Tables();
  const encoder = new EntryEncoder();
  const entries: JournalEntry[] = [];
  let crc = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const [kind, message] = messages[i % messages.length]!;
    const entry: JournalEntry = { kind, message };
    tables.observe(entry);
    entries.push(entry);
    const bytes = encoder.encode(kindByte(kind), message);
    sink.write(bytes);
    crc = crc32(bytes, bytes.length - 4, bytes.length, crc);
  }
  const t1 = performance.now();
  console.log(`round ${round}: ${(((t1 - t0) * 1000) / N).toFixed(3)} µs per entry (${sink.size} bytes)`);
}
