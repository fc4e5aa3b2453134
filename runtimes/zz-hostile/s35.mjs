export default async ({ engine, createSandbox, journal, out }) => {
  // other sandboxes in this process (warms the wasm code up: its frames shrink)
  for (let i = 0; i < 3; i++) {
    const w = createSandbox({ engine });
    w.evaluate('let t = null; for (let i = 0; i < 2000; i++) t = [t]; globalThis.t = t; 0');
    w.snapshot();
    w.dispose();
  }
  const s = createSandbox({ engine, journal });
  s.evaluate(`globalThis.acct = { balance: 100 }; globalThis.t = null; for (let i = 0; i < 3800; i++) t = [t]; 0`);
  try {
    s.snapshot();
    out.snap1 = 'ok';
  } catch (e) {
    out.snap1 = e.constructor.name + ': ' + e.message;
  }
  for (const src of ['acct.balance', 'let d = 0; for (let x = t; x; x = x[0]) d++; d', '[1,2,3].map(x => x * 2).join()']) {
    try {
      out[src] = s.evaluate(src);
    } catch (e) {
      out[src] = 'ERR ' + e.constructor.name + ': ' + e.message.split('\n')[0];
    }
  }
  try {
    s.evaluate('t = null');
    out.snap2 = (out.snapshotBytes = s.snapshot()) ? 'ok' : '';
  } catch (e) {
    out.snap2 = e.constructor.name + ': ' + e.message.split('\n')[0];
  }
};
