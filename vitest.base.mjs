// Shared by every package's vitest config: tests run the TypeScript sources (the "source"
// export condition) against the real wasm build.
import { playwright } from '@vitest/browser-playwright';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import { CHROMIUM, CHROMIUM_ARGS } from './test-support/chromium.ts';

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

/**
 * The same tests in headless Chromium (Vitest browser mode, through Playwright). Tests import
 * packages by name; `browserEntries` maps each to its browser entry (src/index.ts), whose
 * loadEngine() fetches the wasm next to it, which the Vite server serves. Tests named
 * *.node.test.ts use Node-only APIs and stay out.
 *
 * Chromium is the system one: Playwright must never download a browser. Playwright gives it a
 * fresh temporary profile on each launch. We may run as root, hence --no-sandbox.
 */
export function browserTestConfig(browserEntries) {
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
            executablePath: CHROMIUM,
            args: CHROMIUM_ARGS,
          },
        }),
        instances: [{ browser: 'chromium' }],
      },
    },
    // exact names only: '@xsb/xs-wasm/globals' is a subpath of its own
    Object.entries(browserEntries).map(([name, entry]) => ({
      find: new RegExp(`^${name.replace(/[/.]/g, '\\$&')}$`),
      replacement: entry,
    })),
  );
  // packageTestConfig replaces Vite's resolve conditions with ['source']; in a browser the
  // client defaults belong after it (mergeConfig concatenates arrays).
  return mergeConfig(config, { resolve: { conditions: ['module', 'browser', 'development|production'] } });
}
