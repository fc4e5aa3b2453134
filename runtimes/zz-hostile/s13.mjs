export default async ({ engine, createSandbox, journal, out }) => {
  const log = [];
  const endowments = {
    note: (s) => {
      log.push(s);
    },
    slow: async (x) => {
      await null;
      await null;
      return x * 2;
    },
    fast: (x) => Promise.resolve(x + 1),
    rejecter: async () => {
      throw new RangeError('nope');
    },
    thenable: () => ({
      then(r) {
        r(42);
      },
    }),
    timer: (ms) => new Promise((r) => setTimeout(() => r(ms), ms)),
    immediate: () => new Promise((r) => (typeof setImmediate === 'function' ? setImmediate : setTimeout)(() => r('imm'))),
    tick: () => new Promise((r) => queueMicrotask(() => r('mt'))),
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  const api = sandbox.evaluate(`({
    async run() {
      const order = [];
      const p = [slow(1).then(v => order.push('slow' + v)), fast(1).then(v => order.push('fast' + v)),
                 rejecter().catch(e => order.push('rej ' + e.name + e.message)), Promise.resolve(thenable()).then(v => order.push('then' + v)),
                 timer(5).then(v => order.push('t5')), timer(0).then(v => order.push('t0')), immediate().then(v => order.push(v)), tick().then(v => order.push(v))];
      Promise.resolve().then(() => order.push('guest-mt'));
      await Promise.all(p);
      note(order.join());
      return order.join();
    }
  })`);
  const res = await api.run();
  out.res = res;
  await new Promise((r) => setTimeout(r, 20));
  out.log = log;
  out.snapshotBytes = sandbox.snapshot();
};
