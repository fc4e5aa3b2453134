import { fileURLToPath } from 'node:url';
import { browserTestConfig } from '../../vitest.base.mjs';

export default browserTestConfig({ '@xsb/xs-wasm': fileURLToPath(new URL('../xs-wasm/src/index.ts', import.meta.url)) });
