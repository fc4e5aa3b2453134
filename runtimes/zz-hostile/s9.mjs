export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  sandbox.evaluate(`globalThis.tree = null; for (let i = 0; i < 3000; i++) tree = [tree]; 0`);
  try {
    out.snapshotBytes = sandbox.snapshot();
    out.snap = 'ok';
  } catch (e) {
    out.snapErr = e.constructor.name + ': ' + e.message + ' reason=' + e.reason;
    out.stack = String(e.stack).split('\n').slice(0, 12);
  }
  try {
    out.after = sandbox.evaluate('1+1');
  } catch (e) {
    out.afterErr = e.name + ' ' + e.message;
  }
};
