// node h.mjs restore.mjs  with env J=journal file [S=snapshot file]
import { readFileSync } from 'node:fs';
export default async ({ engine, restoreSandbox, out }) => {
  const env = typeof Deno !== 'undefined' ? Deno.env.toObject() : process.env;
  const journal = new Uint8Array(readFileSync(env.J));
  const snapshot = env.S ? new Uint8Array(readFileSync(env.S)) : undefined;
  const mod = env.M ? await import('./' + env.M) : {};
  try {
    const { sandbox, report } = restoreSandbox({
      engine,
      journal,
      ...(snapshot ? { snapshot } : {}),
      plugins: mod.plugins ?? [],
      endowments: mod.endowments ? mod.endowments() : {},
    });
    out.restored = 'ok';
    out.report = JSON.stringify(report);
    out.snapshotBytes = sandbox.snapshot();
  } catch (e) {
    out.restoreError = e.name + ': ' + String(e.message).slice(0, 600);
  }
};
