// harness: node h.mjs scenario.mjs  -> runs scenario's default export, prints hashes + observations
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createSandbox, loadEngine, MemorySink, restoreSandbox } from '@xsb/sandbox';

const rt =
  typeof Bun !== 'undefined' ? 'bun' : typeof Deno !== 'undefined' ? 'deno' : 'node' + process.versions.node.split('.')[0];
const file = process.argv[2];
const mod = await import('./' + file);
const engine = await loadEngine();
const sha = (b) => createHash('sha256').update(b).digest('hex').slice(0, 16);
const out = { rt };
const journal = new MemorySink();
const ctx = { engine, createSandbox, restoreSandbox, MemorySink, journal, rt, out };
try {
  await mod.default(ctx);
} catch (e) {
  out.hostError = String((e && e.stack) || e);
}
const jb = journal.bytes();
out.journal = sha(jb);
if (out.snapshotBytes) {
  out.snapshot = sha(out.snapshotBytes);
  writeFileSync(`/tmp/hostile-rt/${file}.${rt}.snap`, out.snapshotBytes);
  delete out.snapshotBytes;
}
writeFileSync(`/tmp/hostile-rt/${file}.${rt}.journal`, jb);
console.log(JSON.stringify(out, null, 1));
