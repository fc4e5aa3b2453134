import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { configDefaults, mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.base.mjs';

// The engine tests in headless Chromium (Vitest browser mode, through Playwright). The tests
// import the package by its name; in a browser that is the browser entry, whose loadEngine()
// fetches ../dist/wasm/xsb.wasm relative to src/engine.ts, i.e. /dist/wasm/xsb.wasm, which the
// Vite server serves from this package's root. Tests named *.node.test.ts use Node-only APIs.
//
// Chromium is the system one: Playwright must never download a browser. Playwright gives it a
// fresh temporary profile on each launch. We may run as root, hence --no-sandbox.
const chromium = process.env.XSB_CHROMIUM ?? '/usr/bin/chromium';

const config = packageTestConfig(
  {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/**/*.node.test.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath: chromium,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
  { '@xsb/xs-wasm': fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
);

// The base replaces Vite's resolve conditions with ['source']; in a browser the client defaults
// belong after it (mergeConfig concatenates arrays).
export default mergeConfig(config, { resolve: { conditions: ['module', 'browser', 'development|production'] } });
