export default async ({ engine, createSandbox, out }) => {
  out.res = {};
  const N = 50000;
  for (const [k, step] of Object.entries({
    array: 'x = [x]',
    object: 'x = { c: x }',
    map: 'x = new Map([[1, x]])',
    set: 'x = new Set([x])',
    closure: '{ const y = x; x = () => y; }',
    weakmapval: '{ const w = new WeakMap(); const k = {}; w.set(k, x); x = [k, w].length ? { k, w } : 0; }',
    proto: 'x = Object.create(x === null ? null : x)',
    boundfn: 'x = (function () {}).bind(x)',
    error: 'x = new Error("e", { cause: x })',
    symbolkey: 'x = { [Symbol.iterator]: x }',
    jsonparse: null,
  })) {
    const s = createSandbox({ engine });
    try {
      if (step) s.evaluate(`globalThis.x = null; for (let i = 0; i < ${N}; i++) ${step}; 0`);
      else s.evaluate(`try { globalThis.x = JSON.parse('['.repeat(${N}) + ']'.repeat(${N})); 'parsed' } catch (e) { e.message }`);
      s.collectGarbage();
      s.snapshot();
      out.res[k] = 'ok';
    } catch (e) {
      out.res[k] = e.name + ' ' + (e.reason ?? e.message);
    }
    try {
      s.dispose();
    } catch {}
  }
};
