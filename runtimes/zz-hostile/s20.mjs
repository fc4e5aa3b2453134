export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  const api = sandbox.evaluate(`
    let finalized = 0;
    const fr = new FinalizationRegistry(() => { finalized++; });
    ({ make(i) { const o = { i }; fr.register(o, i); return o; }, count() { return finalized; } })`);
  for (let i = 0; i < 2000; i++) api.make(i);
  for (let k = 0; k < 10; k++) {
    const junk = [];
    for (let j = 0; j < 1e5; j++) junk.push({ j });
    await new Promise((r) => setTimeout(r, 1));
  }
  sandbox.collectGarbage();
  await new Promise((r) => setTimeout(r, 1));
  out.guestSaw = api.count();
  out.snapshotBytes = sandbox.snapshot();
};
