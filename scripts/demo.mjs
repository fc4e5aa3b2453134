// A first look at the engine: a guest program, called synchronously, metered, snapshotted and
// brought back in a fresh wasm instance.
import { loadEngine, MeterExhaustedError } from '../packages/xs-wasm/dist/node.js';

const engine = await loadEngine(undefined, { instances: 'isolated' });
console.log(`XS engine ${engine.buildId} loaded`);

const ledger = engine.createMachine({ meter: { limit: 5_000_000 }, now: () => Date.UTC(2026, 10, 27) });
ledger.evaluate(`
  var entries = [];
  function record(who, amount) {
    entries.push({ who, amount, at: new Date().toISOString().slice(0, 10) });
    return entries.reduce((sum, e) => sum + e.amount, 0);
  }
`);
const record = ledger.evaluate('record');
for (const [who, amount] of [
  ['ada', 30],
  ['bob', -12],
  ['ada', 5],
]) {
  console.log(`record(${who}, ${amount}) -> balance ${ledger.call(record, undefined, who, amount)}`);
}
record.dispose();

try {
  ledger.evaluate('for (;;) {}');
} catch (error) {
  if (!(error instanceof MeterExhaustedError)) throw error;
  console.log(`a runaway loop was stopped after ${error.used} meter units; the guest could not catch it`);
}

const snapshot = ledger.snapshot();
ledger.dispose();
const restored = engine.restoreMachine(snapshot);
console.log(`snapshot of ${snapshot.length} bytes restored in a fresh instance:`);
console.log(`  ${restored.evaluate('JSON.stringify(entries)')}`);
console.log(`  balance after one more entry: ${restored.evaluate('record("cyd", 100)')}`);
restored.dispose();
