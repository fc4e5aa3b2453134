// The hosts of the matrix: where each runtime comes from, how the suite is built for it (nothing
// for Node.js, Bun and Deno, which import the built packages as they are; a bundle for browsers
// and workerd) and how it is run. Every runtime is a binary from the npm registry installed by
// `pnpm install` into this package's node_modules, but the browsers: Debian's Chromium and
// Firefox ESR, which scripts/setup.sh installs.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import puppeteer, { type Browser } from 'puppeteer-core';
import webpack from 'webpack';
import { CHROMIUM, CHROMIUM_ARGS } from '../../test-support/chromium.js';
import type { LifeBytes, SuiteReport } from '../src/suite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const modules = join(root, 'node_modules');
const binaries = join(root, 'binaries/node_modules');
const require = createRequire(import.meta.url);

/** A binary shipped in an npm package this package depends on; absent on other platforms. */
function binary(path: string): string {
  const file = join(binaries, path);
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`pnpm install\` (the runtimes are optional dependencies for Linux x64)`);
  return file;
}

function browserPath(name: string, path: string): string {
  if (!existsSync(path)) throw new Error(`${name} is missing at ${path}: run \`npm run setup\`, which installs it from Debian`);
  return path;
}

/** Runs `make` once: each build serves every host that runs it. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** The suite's sources as plain JavaScript next to each other, imports untouched: what Node.js, Bun and Deno run. */
export const buildUnbundled = once(async () => {
  const out = join(dist, 'unbundled');
  await build({
    entryPoints: ['suite', 'run', 'page-webpack'].map((name) => join(root, 'src', `${name}.ts`)),
    outdir: out,
    format: 'esm',
    platform: 'neutral',
    logLevel: 'warning',
  });
  return out;
});

/** Bundles one entry of src/ with esbuild, as an ES module for the web platform, into a fresh folder of dist/. */
async function esbuildBundle(entry: string, folder: string, file: string, options: BuildOptions = {}): Promise<string> {
  const out = join(dist, folder);
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'src', entry)],
    outfile: join(out, file),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    logLevel: 'warning',
    ...options,
  });
  return out;
}

const page = (script: string) =>
  `<!doctype html><meta charset="utf-8"><title>xsb</title><script type="module" src="./${script}"></script>`;

/** The page bundled by esbuild for browsers: no node: import may be reachable from it. */
export const bundleEsbuild = once(async () => {
  const out = await esbuildBundle('page-esbuild.ts', 'esbuild', 'page.js', { loader: { '.wasm': 'file' } });
  writeFileSync(join(out, 'index.html'), page('page.js'));
  return out;
});

/** The page bundled by webpack 5 (from the unbundled JavaScript: webpack reads no TypeScript). */
export async function bundleWebpack(unbundled: string): Promise<string> {
  const out = join(dist, 'webpack');
  rmSync(out, { recursive: true, force: true });
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    entry: join(unbundled, 'page-webpack.js'),
    output: { path: out, filename: 'page.js', module: true, chunkFormat: 'module' },
    experiments: { outputModule: true },
    resolve: { modules: [modules, 'node_modules'] },
    performance: { hints: false },
  });
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    compiler.run((error, result) => (error || !result ? reject(error) : resolve(result))),
  );
  await new Promise<void>((resolve) => compiler.close(() => resolve()));
  if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
  writeFileSync(join(out, 'index.html'), page('page.js'));
  return out;
}

/** The worker bundled by esbuild for workerd, the wasm beside it as a module, and its configuration. */
export async function bundleWorker(port: number): Promise<string> {
  const out = await esbuildBundle('worker.ts', 'workerd', 'worker.js', {
    conditions: ['workerd', 'worker', 'browser'],
    external: ['./xsb.wasm'],
  });
  copyFileSync(require.resolve('@xsb/xs-wasm/xsb.wasm'), join(out, 'xsb.wasm'));
  writeFileSync(
    join(out, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "xsb.wasm", wasm = embed "xsb.wasm"),
  ],
  compatibilityDate = "2026-11-01",
);
`,
  );
  return out;
}

const decode = (runtime: string, text: string): SuiteReport => {
  try {
    return JSON.parse(text) as SuiteReport;
  } catch {
    throw new Error(`${runtime} printed no report:\n${text.slice(0, 2000)}`);
  }
};

/** Writes a life's bytes where a command-line runtime can read them. */
function lifeFile(life: LifeBytes | undefined): string[] {
  if (!life) return [];
  const file = join(dist, `life-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(life));
  return [file];
}

function run(runtime: string, command: string, args: readonly string[]): Promise<SuiteReport> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${runtime} failed: ${error.message}\n${stderr}`));
      else resolve(decode(runtime, stdout));
    });
  });
}

/** A host the suite runs in, and how it is loaded there (the README's table says the same). */
export interface Host {
  readonly name: string;
  /** How the engine's wasm is loaded there. */
  readonly loads: string;
  readonly version: () => Promise<string>;
  readonly run: (life?: LifeBytes) => Promise<SuiteReport>;
}

const versionOf = (command: string, args: readonly string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(command, args, (error, stdout) => (error ? reject(error) : resolve(stdout.trim().split('\n')[0]!))),
  );

function commandLine(name: string, command: () => string, args: readonly string[], loads: string): Host {
  return {
    name,
    loads,
    version: () => versionOf(command(), ['--version']),
    run: async (life) => {
      const unbundled = await buildUnbundled();
      return run(name, command(), [...args, join(unbundled, 'run.js'), name, ...lifeFile(life)]);
    },
  };
}

/** Serves a folder on a free local port. */
async function serve(folder: string): Promise<{ url: string; server: Server }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((request, response) => {
    const path = join(folder, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(folder) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function launch(browser: 'chrome' | 'firefox'): Promise<Browser> {
  return browser === 'chrome'
    ? puppeteer.launch({
        browser: 'chrome',
        executablePath: browserPath('Chromium', CHROMIUM),
        headless: true,
        args: CHROMIUM_ARGS,
      })
    : puppeteer.launch({
        browser: 'firefox',
        executablePath: browserPath('Firefox ESR', process.env.XSB_FIREFOX ?? '/usr/bin/firefox-esr'),
        headless: true,
        // no updates, telemetry or pings on a machine without a network
        extraPrefsFirefox: { 'app.update.enabled': false, 'network.captive-portal-service.enabled': false },
      });
}

function browserHost(name: string, browser: 'chrome' | 'firefox', bundle: () => Promise<string>, loads: string): Host {
  return {
    name,
    loads,
    version: async () => {
      const launched = await launch(browser);
      try {
        return await launched.version();
      } finally {
        await launched.close();
      }
    },
    run: async (life) => {
      const { url, server } = await serve(await bundle());
      const launched = await launch(browser);
      try {
        const tab = await launched.newPage();
        const errors: string[] = [];
        tab.on('pageerror', (error) => errors.push(String(error)));
        await tab.goto(url);
        await tab.waitForFunction('typeof globalThis.runSuite === "function"', { timeout: 30_000 }).catch(() => {
          throw new Error(`${name}: the page never defined runSuite: ${errors.join('; ') || 'no page error'}`);
        });
        const text = await tab.evaluate(
          async (runtime: string, foreign: LifeBytes | null) =>
            JSON.stringify(
              await (globalThis as unknown as { runSuite(r: string, f?: LifeBytes): Promise<unknown> }).runSuite(
                runtime,
                foreign ?? undefined,
              ),
            ),
          name,
          life ?? null,
        );
        return decode(name, text);
      } finally {
        await launched.close();
        server.close();
      }
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const workerdBinary = () => binary('@cloudflare/workerd-linux-64/bin/workerd');

const workerd: Host = {
  name: 'workerd',
  loads: "the wasm as a `wasm` module of the worker's configuration: `import wasm from './xsb.wasm'`, then `loadEngine(wasm)`",
  version: () => versionOf(workerdBinary(), ['--version']),
  run: async (life) => {
    const port = await freePort();
    const folder = await bundleWorker(port);
    const child: ChildProcess = spawn(workerdBinary(), ['serve', join(folder, 'config.capnp')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    try {
      const url = `http://127.0.0.1:${port}/`;
      for (let tries = 0; ; tries++) {
        try {
          const response = await fetch(url, life ? { method: 'POST', body: JSON.stringify(life) } : {});
          const text = await response.text();
          if (!response.ok) throw new Error(`workerd answered ${response.status}: ${text}\n${output}`);
          return decode('workerd', text);
        } catch (error) {
          if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}):\n${output}`);
          if ((error as Error).message.startsWith('workerd answered') || tries > 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      child.kill();
    }
  },
};

/** Every host of the matrix. Node.js is first: the others restore the bytes it writes. */
export const HOSTS: readonly Host[] = [
  commandLine(`node ${process.versions.node.split('.')[0]}`, () => process.execPath, [], 'the "node" export reads the file'),
  commandLine('node 22', () => binary('node22/bin/node'), [], 'the "node" export reads the file'),
  commandLine('node 24', () => binary('node24/bin/node'), [], 'the "node" export reads the file'),
  commandLine('bun', () => binary('@oven/bun-linux-x64/bin/bun'), [], 'the "node" export reads the file'),
  commandLine(
    'deno',
    () => binary('@deno/linux-x64-glibc/deno'),
    ['run', '--allow-read'],
    'the "node" export reads the file (`--allow-read`)',
  ),
  browserHost(
    'chromium (esbuild)',
    'chrome',
    bundleEsbuild,
    "`import url from '@xsb/xs-wasm/xsb.wasm'` with esbuild's file loader, then `loadEngine(url)`",
  ),
  browserHost(
    'chromium (webpack)',
    'chrome',
    async () => bundleWebpack(await buildUnbundled()),
    '`loadEngine()`: webpack emits the wasm the package names with `new URL(…, import.meta.url)`',
  ),
  browserHost('firefox (esbuild)', 'firefox', bundleEsbuild, 'as in Chromium, through esbuild'),
  workerd,
];
