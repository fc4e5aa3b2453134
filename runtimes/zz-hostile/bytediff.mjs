import { readFileSync } from 'node:fs';
import { describeEntry, readJournal } from '@xsb/journal';

const [fa, fb] = process.argv.slice(2);
const A = new Uint8Array(readFileSync(fa)),
  B = new Uint8Array(readFileSync(fb));
let i = 0;
while (i < A.length && i < B.length && A[i] === B[i]) i++;
console.log('lengths', A.length, B.length, 'first diff at', i);
const ja = readJournal(A),
  jb = readJournal(B);
let e = 0;
while (e < ja.entries.length && ja.offsetOf(e + 1) <= i) e++;
console.log('entry', e, 'kind', ja.entries[e]?.kind);
const hex = (u, s) =>
  Buffer.from(u.subarray(Math.max(0, s - 24), s + 24))
    .toString('hex')
    .replace(/(..)/g, '$1 ');
const txt = (u, s) =>
  Buffer.from(u.subarray(Math.max(0, s - 40), s + 40))
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
console.log('A', hex(A, i));
console.log('B', hex(B, i));
console.log('A', txt(A, i));
console.log('B', txt(B, i));
if (ja.entries[e]) console.log('A:', describeEntry(ja.entries[e], 600));
if (jb.entries[e]) console.log('B:', describeEntry(jb.entries[e], 600));
