import vm from 'node:vm';
export default async ({ engine, createSandbox, journal, out }) => {
  // a host that evaluates user templates in a vm context and lets errors propagate
  const render = (tpl, data) => vm.runInNewContext('`' + tpl + '`', { ...data });
  const sandbox = createSandbox({ engine, endowments: { render }, journal });
  out.guest = sandbox
    .evaluate(
      `try { render('\${x.y}', {}) } catch (e) { [e instanceof Error, e.name, e.message, e.stack, Object.keys(e)].join('\\n') }`,
    )
    .split('\n');
  out.snapshotBytes = sandbox.snapshot();
};
