// Node 20 cannot run TypeScript: these module hooks strip the types with the repository's own
// esbuild (one file at a time, no type check; it loads in milliseconds where typescript takes
// seconds) and map the `.js` specifiers that NodeNext-style sources use to the `.ts` files beside them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.endsWith('.ts') && specifier.endsWith('.js') && /^\.{1,2}\//.test(specifier)) {
    const url = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    if (existsSync(fileURLToPath(url))) return { url: url.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const { code } = await transform(await readFile(fileName, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'es2022',
    sourcefile: fileName,
    sourcemap: 'inline',
  });
  return { format: 'module', source: code, shortCircuit: true };
}
