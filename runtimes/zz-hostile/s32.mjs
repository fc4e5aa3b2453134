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
  try {
    out.after = sandbox.evaluate(`account.balance`);
  } catch (e) {
    out.after = `${e.constructor.name}: ${e.message.split('\n')[0]}`;
  }
  try {
    out.after2 = sandbox.evaluate(`1 + 1`);
  } catch (e) {
    out.after2 = `${e.constructor.name}: ${e.message.split('\n')[0]}`;
  }
};
