export default async ({ engine, createSandbox, journal, out }) => {
  const sab = new SharedArrayBuffer(8);
  new Uint8Array(sab).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const f32 = new Float32Array(2);
  new Uint32Array(f32.buffer).set([0x7fc00001, 0xffc12345]);
  const endowments = {
    sab,
    sabView: new Int16Array(sab, 2, 2),
    dvs: new DataView(sab, 1, 3),
    f32,
    b64: new BigInt64Array([-1n, 2n ** 63n - 1n]),
    f16: typeof Float16Array === 'function' ? 'yes' : 'no',
    give: (x) => x,
    echo: (x) => Object.prototype.toString.call(x) + ':' + x?.constructor?.name + ':' + x?.byteLength,
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  out.guest = sandbox.evaluate(`
    const o = [];
    const t = (name, f) => { try { const v = f(); o.push(name + ' = ' + (typeof v === 'function' ? 'fn' : JSON.stringify(v))); } catch (e) { o.push(name + ' ! ' + e.name + ': ' + e.message); } };
    t('sab', () => [Object.prototype.toString.call(sab), sab.byteLength, sab.growable, sab.maxByteLength, typeof sab.grow]);
    t('sab.slice', () => [...new Uint8Array(sab.slice(2))]);
    t('sabView', () => [sabView.constructor.name, [...sabView], sabView.byteOffset]);
    t('dvs', () => [dvs.byteLength, dvs.getUint8(0)]);
    t('f32', () => [...new Uint32Array(f32.buffer)]);
    t('b64', () => [...b64].map(String));
    t('f16', () => f16);
    t('echo sab', () => echo(new SharedArrayBuffer(4)));
    t('echo u8', () => echo(new Uint8Array(3)));
    t('echo big', () => echo(new BigUint64Array(1)));
    t('echo dv', () => echo(new DataView(new ArrayBuffer(5), 1)));
    t('echo resizable', () => echo(new ArrayBuffer(2, { maxByteLength: 8 })));
    t('give resizable', () => { const b = give(new ArrayBuffer(2, { maxByteLength: 8 })); return [b.resizable, b.maxByteLength]; });
    t('give detached', () => { const b = new ArrayBuffer(4); const c = b.transfer ? b.transfer() : null; return give(b).byteLength; });
    t('give f32 nan', () => { const a = new Float32Array(1); new Uint32Array(a.buffer)[0] = 0x7fc00001; return new Uint32Array(give(a).buffer)[0]; });
    t('give -0', () => Object.is(give(-0), -0));
    t('give nan payload', () => { const a = new Float64Array(1); new Uint32Array(a.buffer).set([5, 0x7ff80000]); const v = give(a[0]); const b = new Float64Array([v]); return [...new Uint32Array(b.buffer)]; });
    o;
  `);
  out.guest = [...out.guest];
  out.snapshotBytes = sandbox.snapshot();
};
