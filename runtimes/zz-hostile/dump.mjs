// node dump.mjs a.journal b.journal : print first differing entry
import { readFileSync } from 'node:fs';
import { describeEntry, readJournal } from '@xsb/journal';

const [a, b] = process.argv.slice(2).map((f) => readJournal(new Uint8Array(readFileSync(f))));
const n = Math.max(a.entries.length, b.entries.length);
let shown = 0;
for (let i = 0; i < n && shown < (Number(process.env.K) || 2); i++) {
  const x = a.entries[i] ? describeEntry(a.entries[i], 1500) : '<none>';
  const y = b.entries[i] ? describeEntry(b.entries[i], 1500) : '<none>';
  if (x !== y) {
    console.log(`entry ${i}:\n A: ${x}\n B: ${y}`);
    shown++;
  }
}
console.log('entries', a.entries.length, b.entries.length);
