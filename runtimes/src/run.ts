// The entry for Node.js, Bun and Deno: loads the engine as those runtimes do (the package's
// "node" export reads the wasm file next to it), runs the suite and prints its report as JSON.
// Arguments: the runtime's name, and optionally a file holding a life written elsewhere.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { loadEngine } from '@xsb/sandbox';
import { type LifeBytes, runSuite } from './suite.js';

const [runtime = 'unnamed', foreignFile] = process.argv.slice(2);
const foreign = foreignFile ? (JSON.parse(readFileSync(foreignFile, 'utf8')) as LifeBytes) : undefined;
const report = await runSuite({ runtime, engine: await loadEngine(), ...(foreign ? { foreign } : {}) });
process.stdout.write(`${JSON.stringify(report)}\n`);
