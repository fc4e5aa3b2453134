export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  out.r = sandbox.evaluate(`
    let next = (x) => x;
    for (let i = 0; i < 7000; i++) { const inner = next; next = (x) => inner(x); }
    globalThis.handler = next;
    'built'`);
  try {
    out.snapshotBytes = sandbox.snapshot();
    out.snap = 'ok';
  } catch (e) {
    out.snapErr = `${e.constructor.name}: ${e.message} reason=${e.reason}`;
    out.stack = String(e.stack).split('\n').slice(1, 6);
  }
  try {
    out.after = sandbox.evaluate('handler(41) + 1');
  } catch (e) {
    out.afterErr = e.name + ' ' + (e.reason ?? e.message);
  }
};
