// The built playground in headless Chromium (Debian's, driven by playwright-core): run a guest
// module, call its exports, move time, hit the meter, keep a snapshot in the page's IndexedDB and
// restore it after a reload. The screenshot is left in test-results/ for people to look at.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../../test-support/chromium.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = fileURLToPath(new URL('../test-results/', import.meta.url));
let server: PreviewServer;
let browser: Browser;

beforeAll(async () => {
  await build({ root, logLevel: 'warn' });
  server = await preview({ root, logLevel: 'warn', preview: { port: 4870 } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()));
});

async function call(page: Page, name: string, args: string): Promise<string> {
  const row = page.locator('#exports li', { has: page.locator(`button[data-call="${name}"]`) });
  await row.locator('input.args').fill(args);
  await row.locator('button').click();
  return (await row.locator('output').textContent()) ?? '';
}

it('runs, calls, moves time, meters, and restores a snapshot kept in the page after a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(server.resolvedUrls!.local[0]!);
  await page.waitForSelector('body[data-ready="true"]');
  await expect.poll(() => page.textContent('#engine')).toMatch(/XS in WebAssembly, build [0-9a-f]{16}/);

  await page.click('#run');
  await page.waitForSelector('button[data-call="increment"]');
  expect(
    await page.locator('#exports button').evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.call)),
  ).toEqual(['increment', 'later', 'report', 'spin', 'ticker']);
  expect(await call(page, 'increment', '5')).toBe('→ 5');
  expect(await call(page, 'later', '500')).toBe('→ "in 500 ms of virtual time"');
  expect(await page.textContent('#pending')).toBe('1 timer(s) pending');
  await page.click('button[data-advance="1000"]');
  await expect.poll(() => page.textContent('#console')).toContain('later: count is 15');
  expect(await page.textContent('#now')).toBe('2026-01-01 00:00:01.000');
  expect(await call(page, 'spin', '')).toMatch(/^stopped by the meter after [\d,]+ units$/);
  expect(await page.textContent('#status')).toBe('alive');
  expect(await call(page, 'report', '')).toBe('→ { count: 15, history: [ "00:00:00 → 5", "00:00:00 → 15" ] }');
  expect(Number((await page.textContent('#journal-count'))?.match(/\d+/)?.[0])).toBeGreaterThan(10);

  await page.click('#save');
  await expect.poll(() => page.locator('#saved li button.restore').count()).toBe(1);

  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await expect.poll(() => page.locator('#saved li button.restore').count()).toBe(1);
  await page.click('#saved li button.restore');
  await page.waitForSelector('button[data-call="increment"]');
  await expect.poll(() => page.textContent('#console')).toMatch(/restored the snapshot of .* in \d+ ms/);
  expect(await call(page, 'increment', '1')).toBe('→ 16');
  expect(await page.textContent('#now')).toBe('2026-01-01 00:00:01.000');
  await page.click('#journal li:last-child');

  mkdirSync(results, { recursive: true });
  await page.screenshot({ path: `${results}playground.png`, fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
});
