export default async ({ engine, createSandbox, out }) => {
  const probe = (n) => {
    const sandbox = createSandbox({ engine });
    let r;
    try {
      r = sandbox.evaluate(
        `let a = []; for (let i = 0; i < ${n}; i++) a = [a]; try { JSON.stringify(a).length; 'ok' } catch (e) { 'RangeError' }`,
      );
    } catch (e) {
      r = 'DEAD';
    }
    try {
      sandbox.dispose();
    } catch {}
    return r;
  };
  const seq = [10, 100, 200, 300, 400, 3000, 5000, 3000];
  out.res = seq.map((n) => n + ':' + probe(n)).join(' ');
};
