export default async ({ engine, createSandbox, journal, out }) => {
  out.res = [];
  for (const n of [500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500]) {
    const sandbox = createSandbox({ engine });
    let r = n + ':';
    try {
      sandbox.evaluate(`globalThis.l = null; for (let i = 0; i < ${n}; i++) l = [l]; 0`);
      r += 'built ';
      sandbox.collectGarbage();
      r += 'gc ';
      sandbox.snapshot();
      r += 'snap';
    } catch (e) {
      r += e.name + ' ' + e.reason;
    }
    try {
      sandbox.dispose();
    } catch {}
    out.res.push(r);
  }
};
