export default async ({ engine, createSandbox, out }) => {
  out.res = {};
  for (const [k, src] of Object.entries({
    sab: 'globalThis.x = new SharedArrayBuffer(4)',
    resizable: 'globalThis.x = new ArrayBuffer(2, { maxByteLength: 8 })',
    detached: 'globalThis.x = new ArrayBuffer(4); x.transfer(); 0',
    sabTransient: 'new SharedArrayBuffer(4); 0',
    atomicsWait: 'globalThis.x = new Int32Array(new SharedArrayBuffer(8)); Atomics.store(x, 0, 1)',
  })) {
    const s = createSandbox({ engine });
    try {
      s.evaluate(src);
      s.snapshot();
      out.res[k] = 'ok';
    } catch (e) {
      out.res[k] = e.name + ': ' + e.message;
    }
  }
};
