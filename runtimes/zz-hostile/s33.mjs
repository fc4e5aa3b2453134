export default async ({ engine, createSandbox, out }) => {
  const res = [];
  for (let n = 2000; n <= 4000; n += 200) {
    const s = createSandbox({ engine });
    let r;
    try {
      s.evaluate(`globalThis.t = null; for (let i = 0; i < ${n}; i++) t = [t]; 0`);
      r = 'E';
    } catch (e) {
      r = 'dead@eval';
    }
    if (r === 'E') {
      try {
        s.snapshot();
        r = 'ok';
      } catch (e) {
        r = e.constructor.name === 'RangeError' ? 'RAW-RangeError@snap' : 'dead@snap';
      }
      if (r === 'RAW-RangeError@snap') {
        try {
          s.evaluate('1');
          r += '+alive';
        } catch (e) {
          r += '+' + e.message.split('\n')[0];
        }
      }
    }
    res.push(n + ':' + r);
    try {
      s.dispose();
    } catch {}
  }
  out.res = res.join(' ');
};
