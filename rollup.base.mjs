// The one bundling recipe every publishable package uses: ESM plus a single .d.ts per entry.

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

/** @param {{ input: Record<string, string>, external?: (id: string) => boolean }} options */
export function packageConfig({ input, external = (id) => !id.startsWith('.') && !id.startsWith('/') }) {
  return [
    {
      input,
      external,
      // no bare imports of what a chunk's dependencies import: bundlers warn of them
      output: {
        dir: 'dist',
        format: 'es',
        sourcemap: true,
        // the compiler names sources from its rootDir (the repository, for test-support/): they
        // are this package's src/, which the maps carry whole (inlineSources), since src is not packed
        sourcemapPathTransform: (source) => source.replace(/^(\.\.\/)+src\//, '../src/'),
        hoistTransitiveImports: false,
      },
      plugins: [
        clean(),
        typescript({ tsconfig: './tsconfig.json', declaration: false, sourceMap: true, inlineSources: true, outDir: 'dist' }),
      ],
    },
    {
      input,
      external,
      output: { dir: 'dist', format: 'es' },
      plugins: [dts({ tsconfig: './tsconfig.json' })],
    },
  ];
}

/**
 * Removes the previous build's code from dist (chunks have hashed names, so old ones would
 * otherwise be packed too), leaving its folders: xs-wasm's dist/wasm is the wasm build's.
 */
function clean() {
  return {
    name: 'clean',
    buildStart() {
      if (!existsSync('dist')) return;
      const files = readdirSync('dist', { withFileTypes: true }).filter((entry) => entry.isFile());
      for (const file of files) rmSync(join('dist', file.name));
    },
  };
}
