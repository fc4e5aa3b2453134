import { consolePlugin } from '@xsb/plugin-console';
import { meteringPlugin } from '@xsb/plugin-metering';
export default async ({ engine, createSandbox, journal, out }) => {
  const lines = [];
  const endowments = { parseConfig: (s) => JSON.parse(s) };
  const sandbox = createSandbox({
    engine,
    endowments,
    journal,
    plugins: [
      [meteringPlugin, {}],
      [consolePlugin, (stream, line) => lines.push(stream + ' ' + line)],
    ],
  });
  const before = sandbox.plugins.metering.used;
  sandbox.evaluate(`try { parseConfig('{"a":1,}') } catch (e) { console.error('bad config:', e) }`);
  out.used = sandbox.plugins.metering.used - before;
  out.lines = lines;
  out.snapshotBytes = sandbox.snapshot();
};
