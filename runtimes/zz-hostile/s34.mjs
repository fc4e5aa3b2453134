export default async ({ engine, createSandbox, journal, out }) => {
  const env = typeof Deno !== 'undefined' ? Deno.env.toObject() : process.env;
  const n = Number(env.N ?? 3600);
  const s = createSandbox({ engine, journal });
  s.evaluate(`globalThis.t = null; for (let i = 0; i < ${n}; i++) t = [t]; globalThis.acct = { balance: 100 }; 0`);
  try {
    s.snapshot();
    out.snap1 = 'ok';
  } catch (e) {
    out.snap1 = e.constructor.name + ': ' + e.message;
  }
  for (const src of [
    'let d = 0; for (let x = t; x; x = x[0]) d++; d',
    'acct.balance',
    'Object.keys(globalThis).join()',
    '[1,2,3].map(x => x * 2).join()',
    'new Map([[1, {a: 1}]]).get(1).a',
  ]) {
    try {
      out[src] = s.evaluate(src);
    } catch (e) {
      out[src] = 'ERR ' + e.constructor.name + ': ' + e.message.split('\n')[0];
    }
  }
  try {
    s.evaluate('t = null');
    s.collectGarbage();
    out.snap2 = (out.snapshotBytes = s.snapshot()) ? 'ok' : '';
  } catch (e) {
    out.snap2 = e.constructor.name + ': ' + e.message.split('\n')[0];
  }
};
