// loadEngine's failures, each an EngineLoadError that says what to do (Node.js's entry; the host
// matrix, runtimes/, checks bytes that are not wasm in every runtime, workerd's refusal included).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineLoadError, loadEngine, loadEngineSync } from '@xsb/xs-wasm';
import { expect, it } from 'vitest';

it('a missing file, bytes that are not wasm, a URL that answers 404: typed, and saying where', async () => {
  await expect(loadEngine('/nowhere/xsb.wasm')).rejects.toThrow(
    expect.objectContaining({
      name: 'EngineLoadError',
      message: expect.stringMatching(/could not be read from \/nowhere\/xsb.wasm: ENOENT/),
    }),
  );
  await expect(loadEngine(new Uint8Array([0, 1, 2, 3]))).rejects.toThrow(/did not load from 4 bytes: /);
  expect(() => loadEngineSync(new Uint8Array([0, 1, 2, 3]))).toThrow(EngineLoadError);

  const server = createServer((_request, response) => response.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xsb.wasm`;
    await expect(loadEngine(url)).rejects.toThrow(`fetching the xsb engine's wasm from ${url} answered 404`);
  } finally {
    server.close();
  }
});
