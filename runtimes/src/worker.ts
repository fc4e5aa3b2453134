// A Cloudflare worker (workerd). workerd compiles no wasm from bytes at run time: its configuration
// lists the engine's file as a `wasm` module, which it compiles once, and the import gives the
// WebAssembly.Module that loadEngine takes as it is. POST a life's bytes to restore them here.

import { loadEngine } from '@xsb/sandbox';
import { type LifeBytes, runSuite } from './suite.js';
import wasm from './xsb.wasm';

export default {
  async fetch(request: Request): Promise<Response> {
    const foreign = request.method === 'POST' ? ((await request.json()) as LifeBytes) : undefined;
    const report = await runSuite({ runtime: 'workerd', engine: await loadEngine(wasm), ...(foreign ? { foreign } : {}) });
    return Response.json(report);
  },
};
