import { fileURLToPath } from 'node:url';
import { packageTestConfig } from '../../vitest.base.mjs';

// The tests import the package by its name; in Node that is the Node entry.
export default packageTestConfig({}, { '@xsb/xs-wasm': fileURLToPath(new URL('./src/node.ts', import.meta.url)) });
