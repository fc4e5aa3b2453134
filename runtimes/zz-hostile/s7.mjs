export default async ({ engine, createSandbox, journal, out }) => {
  // other sandboxes in the same process (warm the wasm code)
  for (const n of [10, 100, 400, 3000]) {
    const s = createSandbox({ engine });
    try {
      s.evaluate(`let a = []; for (let i = 0; i < ${n}; i++) a = [a]; try { JSON.stringify(a) } catch {}`);
    } catch {}
    try {
      s.dispose();
    } catch {}
  }
  const sandbox = createSandbox({ engine, journal });
  try {
    out.guest = sandbox.evaluate(
      `let a = []; for (let i = 0; i < 5000; i++) a = [a]; try { JSON.stringify(a).length } catch (e) { e.name + ': ' + e.message }`,
    );
    out.after = sandbox.evaluate('1 + 1');
    out.snapshotBytes = sandbox.snapshot();
  } catch (e) {
    out.err = e.name + ': ' + e.reason + ' ' + e.message + String(e.stack).slice(0, 800);
  }
};
