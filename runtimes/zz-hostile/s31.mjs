export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, journal });
  sandbox.evaluate(`
    globalThis.account = { owner: 'ada', balance: 100 };
    let next = (x) => x;
    for (let i = 0; i < 7000; i++) { const inner = next; next = (x) => inner(x); }
    globalThis.handler = next;
    0`);
  try {
    sandbox.snapshot();
    out.snap1 = 'ok';
  } catch (e) {
    out.snap1 = `${e.constructor.name}: ${e.message}`;
  }
  out.after = sandbox.evaluate(
    `[typeof handler, typeof account, JSON.stringify(account), Object.keys(globalThis).length].join(' | ')`,
  );
  try {
    out.snapshotBytes = sandbox.snapshot();
    out.snap2 = 'ok';
  } catch (e) {
    out.snap2 = `${e.constructor.name}: ${e.message}`;
  }
};
