export default async ({ engine, createSandbox, journal, out }) => {
  out.res = [];
  const probe = (n, pre) => {
    const sandbox = createSandbox({ engine });
    let r;
    try {
      r = sandbox.evaluate(
        `let a = []; for (let i = 0; i < ${n}; i++) a = [a]; try { JSON.stringify(a).length } catch (e) { e.name + ': ' + e.message }`,
      );
    } catch (e) {
      r = e.reason;
    }
    try {
      sandbox.dispose();
    } catch {}
    return r;
  };
  for (let n = 1000; n <= 6000; n += 250) out.res.push(n + ':' + probe(n));
};
