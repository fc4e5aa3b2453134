export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, endowments: { via: (cb, n) => cb(n) }, journal });
  try {
    out.guest = sandbox.evaluate(`
      let max = 0;
      function f(n) { max = n; return via(f, n + 1); }
      let msg; try { f(0) } catch (e) { msg = e.name + ': ' + e.message; }
      max + ' ' + msg;
    `);
  } catch (e) {
    out.err = e.name + ' ' + e.reason + ' ' + e.message;
  }
  try {
    out.snapshotBytes = sandbox.snapshot();
  } catch (e) {
    out.snapErr = e.name;
  }
};
