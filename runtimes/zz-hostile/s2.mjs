export default async ({ engine, createSandbox, journal, out }) => {
  const t0 = Date.now();
  try {
    const f = () => f();
    f();
  } catch (e) {
    out.plain = String(e);
  }
  out.plainMs = Date.now() - t0;
  const sandbox = createSandbox({
    engine,
    endowments: {
      deep: () => {
        const f = () => f();
        return f();
      },
    },
    journal,
  });
  const t1 = Date.now();
  out.guest = sandbox.evaluate(`try { deep() } catch (e) { e.name + ': ' + e.message }`);
  out.ms = Date.now() - t1;
  out.snapshotBytes = sandbox.snapshot();
};
