export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  try {
    out.guest = sandbox.evaluate(
      `let a = []; for (let i = 0; i < 4750; i++) a = [a]; try { JSON.stringify(a).length } catch (e) { e.name + ': ' + e.message }`,
    );
    out.after = sandbox.evaluate('1 + 1');
    out.snapshotBytes = sandbox.snapshot();
  } catch (e) {
    out.err = e.name + ': ' + e.reason;
  }
};
