export default async ({ engine, createSandbox, out }) => {
  const env = typeof Deno !== 'undefined' ? Deno.env.toObject() : process.env;
  const n = Number(env.N);
  const sandbox = createSandbox({ engine });
  try {
    sandbox.evaluate(`globalThis.tree = null; for (let i = 0; i < ${n}; i++) tree = [tree]; 0`);
    sandbox.snapshot();
    out.r = n + ' ok';
  } catch (e) {
    out.r = n + ' ' + e.name + ' ' + e.reason;
  }
};
