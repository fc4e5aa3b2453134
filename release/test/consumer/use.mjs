// A user's script, run in a folder where the packed packages were installed with npm: it must
// work with nothing but what the tarballs hold.
import { meteringPlugin } from '@xsb/plugin-metering';
import { timersPlugin } from '@xsb/plugin-timers';
import { createSandbox, loadEngine, MemorySink, MeterExhaustedError, restoreSandbox } from '@xsb/sandbox';

const engine = await loadEngine();
const journal = new MemorySink();
const plugins = [timersPlugin, [meteringPlugin, { perCall: 1_000_000 }]];
const modules = {
  load: (name) =>
    ({ '/main.js': 'import { n } from "./n.js"; export const twice = () => n * 2;', '/n.js': 'export const n = 21;' })[name],
};
const sandbox = createSandbox({ engine, plugins, modules, journal });
const results = {};
results.module = sandbox.evaluateModule('/main.js').twice();
sandbox.evaluate('var fired = []; setTimeout(() => fired.push(Date.now()), 50)');
sandbox.plugins.timers.advance(100);
results.fired = sandbox.evaluate('fired.join()');
try {
  sandbox.evaluate('for (;;) {}');
} catch (error) {
  results.meter = error instanceof MeterExhaustedError;
}
const snapshot = sandbox.snapshot();
sandbox.dispose();
const { sandbox: restored } = restoreSandbox({ engine, journal: journal.bytes(), snapshot, plugins, modules });
results.restored = restored.evaluate('fired.length');
restored.dispose();
console.log(JSON.stringify(results));
