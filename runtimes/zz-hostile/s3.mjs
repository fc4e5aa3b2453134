export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  const t1 = Date.now();
  try {
    out.guest = sandbox.evaluate(
      `let a = []; for (let i = 0; i < 200000; i++) a = [a]; try { JSON.stringify(a).length } catch (e) { e.name + ': ' + e.message }`,
    );
  } catch (e) {
    out.err = e.name + ': ' + e.message + ' reason=' + e.reason;
  }
  out.ms = Date.now() - t1;
  try {
    out.snapshotBytes = sandbox.snapshot();
  } catch (e) {
    out.snapErr = e.name + ': ' + e.message;
  }
};
