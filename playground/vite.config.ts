import { defineConfig } from 'vite';

// The page uses the packages as published (their dist), so it shows what users get; the wasm
// comes along as an asset, found from `new URL('…xsb.wasm', import.meta.url)`.
export default defineConfig({
  build: { target: 'es2022', outDir: 'dist' },
  preview: { host: '127.0.0.1', strictPort: true },
});
