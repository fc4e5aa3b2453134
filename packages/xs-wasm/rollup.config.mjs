import { packageConfig } from '../../rollup.base.mjs';

export default packageConfig({
  input: { index: 'src/index.ts', node: 'src/node.ts', globals: 'src/globals.ts' },
  external: (id) => id.startsWith('node:') || id.endsWith('/wasm/xsb.mjs'),
});
