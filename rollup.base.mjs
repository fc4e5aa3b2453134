// The one bundling recipe every publishable package uses: ESM plus a single .d.ts per entry.
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

/** @param {{ input: Record<string, string>, external?: (id: string) => boolean }} options */
export function packageConfig({ input, external = (id) => !id.startsWith('.') && !id.startsWith('/') }) {
  return [
    {
      input,
      external,
      output: { dir: 'dist', format: 'es', sourcemap: true },
      plugins: [typescript({ tsconfig: './tsconfig.json', declaration: false, sourceMap: true, outDir: 'dist' })],
    },
    {
      input,
      external,
      output: { dir: 'dist', format: 'es' },
      plugins: [dts({ tsconfig: './tsconfig.json' })],
    },
  ];
}
