import { defineConfig } from 'vitest/config';

// The e2e test drives the built page in Chromium itself (playwright-core); it runs in Node.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } });
