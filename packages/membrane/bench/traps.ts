// A guest → host call and a guest read of a host property, with the guest's proxy traps in C
// (codec.makeTraps) and in JavaScript, interleaved in one process; medians of µs per operation.
//   cd packages/membrane && node --conditions=source --import ../../scripts/register-ts.mjs bench/traps.ts
import { loadEngine } from '@xsb/xs-wasm';
import { attachMembrane } from '../src/index.js';

const engine = await loadEngine();
const machine = engine.createMachine();
const membrane = attachMembrane(machine);
membrane.defineGlobals({ hostAdd: (a: number, b: number) => a + b, host: { x: 42 } });
membrane.evaluateScript(`
  var callLoop = (n) => { let s = 0; for (let i = 0; i < n; i++) s += hostAdd(i, 2); return s; };
  var readLoop = (n) => { let s = 0; const h = host; for (let i = 0; i < n; i++) s += h.x; return s; };
`);
const N = 20_000;
const rounds = 15;
const times: Record<string, number[]> = { 'call C': [], 'call JS': [], 'get C': [], 'get JS': [] };
for (let round = 0; round < rounds; round++) {
  for (const on of round % 2 ? [true, false] : [false, true]) {
    engine.setFastPath(on);
    for (const [what, loop] of [
      ['call', 'callLoop'],
      ['get', 'readLoop'],
    ] as const) {
      const start = performance.now();
      membrane.evaluateScript(`${loop}(${N})`);
      times[`${what} ${on ? 'C' : 'JS'}`]!.push(((performance.now() - start) * 1000) / N);
    }
  }
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
for (const [what, xs] of Object.entries(times)) console.log(`${what}: ${median(xs).toFixed(2)} µs`);
