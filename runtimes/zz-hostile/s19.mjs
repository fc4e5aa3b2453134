export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  const make = sandbox.evaluate('(i) => ({ i, pad: "x".repeat(100) })');
  let sum = 0;
  for (let i = 0; i < 3000; i++) sum += make(i).i;
  for (let k = 0; k < 20; k++) {
    const junk = [];
    for (let j = 0; j < 1e5; j++) junk.push({ j });
    await new Promise((r) => setTimeout(r, 1));
  }
  out.sum = sum;
  out.stats = JSON.stringify(sandbox.membrane?.stats?.() ?? null);
  out.snapshotBytes = sandbox.snapshot();
};
