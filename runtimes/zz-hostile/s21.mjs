export default async ({ engine, createSandbox, journal, out }) => {
  let vm = null;
  try {
    vm = await import('node:vm');
  } catch {}
  const endowments = {
    b64: (s) => atob(s),
    clone: (v) => structuredClone(v),
    url: (s) => new URL(s).href,
    abortReason: () => {
      const c = new AbortController();
      c.abort();
      throw c.signal.reason;
    },
    timeoutReason: () => AbortSignal.timeout(0),
    vmErr: () => {
      if (vm) vm.runInNewContext('throw new TypeError("from vm")');
      else throw new TypeError('no vm');
    },
    decode: (b) => new TextDecoder('utf-8', { fatal: true }).decode(b),
    enc: (s) => new TextEncoder().encode(s),
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  out.guest = [
    ...sandbox.evaluate(`
    const o = [];
    const t = (name, f) => { try { const v = f(); o.push(name + ' = ' + JSON.stringify(v)); } catch (e) { let s; try { s = String(e.stack).split('\\n').slice(0, 3).join(' / '); } catch (x) { s = 'x' } o.push(name + ' ! ' + (e instanceof Error) + ' ' + e.name + ': ' + e.message + ' | ' + s + ' | code=' + e.code); } };
    t('b64', () => b64('*'));
    t('clone', () => clone(() => 1));
    t('url', () => url('not a url'));
    t('abort', () => abortReason());
    t('vm', () => vmErr());
    t('decode', () => decode(new Uint8Array([0xff])));
    t('enc', () => Array.from(enc('é')));
    o;
  `),
  ];
  out.snapshotBytes = sandbox.snapshot();
};
