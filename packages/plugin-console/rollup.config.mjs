import { packageConfig } from '../../rollup.base.mjs';

export default packageConfig({ input: { index: 'src/index.ts' } });
