export default async ({ engine, createSandbox, journal, out }) => {
  const env = typeof Deno !== 'undefined' ? Deno.env.toObject() : process.env;
  const n = Number(env.N);
  const sandbox = createSandbox({ engine, journal });
  try {
    // a guest composing middleware: each layer a closure over the next
    out.r = sandbox.evaluate(`
      let next = (x) => x;
      for (let i = 0; i < ${n}; i++) { const inner = next; next = (x) => inner(x); }
      globalThis.handler = next;
      'built'`);
    out.snapshotBytes = sandbox.snapshot();
    out.r += ' snap';
  } catch (e) {
    out.r = e.name + ' ' + (e.reason ?? e.message);
  }
};
