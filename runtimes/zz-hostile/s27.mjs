import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const host = require('./sloppy-host.cjs');
export default async ({ engine, createSandbox, journal, out }) => {
  const sandbox = createSandbox({ engine, endowments: { withTransaction: host.withTransaction }, journal });
  sandbox.evaluate(`
    globalThis.seen = [];
    globalThis.onTx = () => {
      const t = (n, f) => { try { const v = f(); seen.push(n + ' = ' + (typeof v === 'function' ? 'function ' + v.name : String(v))); return v; } catch (e) { seen.push(n + ' ! ' + e.message); } };
      const c = t('caller', () => withTransaction.caller);
      t('caller.caller', () => c && c.caller);
      const a = t('arguments', () => withTransaction.arguments);
      t('arguments[0]', () => a && a[0]);
      t('callerFn(...)', () => c && c({ evaluate: () => 'called' }));
      return 'done';
    };`);
  out.ret = host.adminTask(sandbox);
  out.guest = [...sandbox.evaluate('seen')];
  out.snapshotBytes = sandbox.snapshot();
};
