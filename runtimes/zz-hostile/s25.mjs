export default async ({ engine, createSandbox, journal, out }) => {
  const endowments = {
    log: console.log,
    st: setTimeout,
    sc: structuredClone,
    qm: queueMicrotask,
    TE: TextEncoder,
    U: URL,
    hdrs: typeof Headers === 'function' ? new Headers({ a: '1' }) : null,
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  out.guest = [
    ...sandbox.evaluate(`
    const o = [];
    for (const k of ['log', 'st', 'sc', 'qm', 'TE', 'U']) {
      const f = globalThis[k];
      try { o.push(k + ' ' + f.name + '/' + f.length + ' keys=' + Reflect.ownKeys(f).map(String).join() + ' proto=' + (Object.getPrototypeOf(f) === Function.prototype)); } catch (e) { o.push(k + ' ! ' + e.message); }
    }
    try { o.push('TE.proto ' + Reflect.ownKeys(TE.prototype).map(String).join()); } catch (e) { o.push('TE.proto ! ' + e.message); }
    try { o.push('U.proto ' + Reflect.ownKeys(U.prototype).map(String).join()); } catch (e) { o.push('U.proto ! ' + e.message); }
    try { const u = new U('https://a.b/c?d#e'); o.push('url ' + Reflect.ownKeys(u).map(String).join() + ' ' + u.href + ' ' + JSON.stringify(u)); } catch (e) { o.push('url ! ' + e.message); }
    try { o.push('hdrs ' + Reflect.ownKeys(hdrs).map(String).join() + ' ' + [...hdrs].join()); } catch (e) { o.push('hdrs ! ' + e.message); }
    o;
  `),
  ];
  out.snapshotBytes = sandbox.snapshot();
};
