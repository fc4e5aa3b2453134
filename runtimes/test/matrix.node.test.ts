// The host matrix: the suite (src/suite.ts) in every runtime of HOSTS, each case a test of its
// own; the bytes each runtime's life wrote compared across all of them; and a life written in
// one runtime restored in another: Node.js's everywhere, and Firefox's and workerd's in Node.js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, type SuiteReport } from '../src/suite.js';
import { HOSTS } from './hosts.js';

const FOREIGN_CASE = 'sandbox: restores bytes written elsewhere';
const reports = new Map<string, SuiteReport>();
const versions = new Map<string, string>();
const [first, ...others] = HOSTS;

// Node.js first: every other host restores what it wrote
beforeAll(async () => {
  reports.set(first!.name, await first!.run());
  versions.set(first!.name, await first!.version());
}, 120_000);

afterAll(() => {
  // the figures the README's table and the closing note quote
  for (const host of HOSTS) {
    const report = reports.get(host.name);
    const passed = report?.results.filter((result) => result.ok).length ?? 0;
    console.log(`${host.name} (${versions.get(host.name) ?? '?'}): ${passed} of ${report?.results.length ?? 0} cases passed`);
  }
});

function checkCases(name: string, withForeign: boolean) {
  const names = [...CASES.map(([caseName]) => caseName), ...(withForeign ? [FOREIGN_CASE] : [])];
  it.each(names)('%s', (caseName) => {
    const result = reports.get(name)?.results.find((r) => r.name === caseName);
    expect(result, `${name} never ran "${caseName}"`).toBeDefined();
    expect(result!.error ?? 'passed').toBe('passed');
  });
}

describe.each(others.map((host) => [host.name, host] as const))('%s', (name, host) => {
  beforeAll(async () => {
    reports.set(name, await host.run(reports.get(first!.name)!.life));
    versions.set(name, await host.version());
  }, 180_000);

  checkCases(name, true);

  it(`writes the same journal and snapshot, byte for byte, as ${first!.name}`, () => {
    const here = reports.get(name)!;
    const there = reports.get(first!.name)!;
    expect(here.buildId).toBe(there.buildId);
    expect(here.life.journal.length).toBeGreaterThan(1000);
    expect(here.life.journal).toBe(there.life.journal);
    expect(here.life.snapshot).toBe(there.life.snapshot);
  });
});

describe(first!.name, () => {
  checkCases(first!.name, false);

  it.each(['firefox (esbuild)', 'workerd'])(
    'restores a life written in %s',
    async (writer) => {
      const written = reports.get(writer);
      expect(written, `${writer} ran before this`).toBeDefined();
      const report = await first!.run(written!.life);
      expect(report.results.find((r) => r.name === FOREIGN_CASE)?.error ?? 'passed').toBe('passed');
      expect(report.restored).toBeDefined();
    },
    120_000,
  );
});
