// Shared by every package's vitest config: tests run the TypeScript sources (the "source"
// export condition) against the real wasm build.
import { defineConfig } from 'vitest/config';

export function packageTestConfig(test = {}, alias = {}) {
  return defineConfig({
    resolve: { conditions: ['source'], alias },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
