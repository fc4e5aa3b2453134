// What an import of '@xsb/xs-wasm/xsb.wasm' gives, to pass to loadEngine: the file's URL where a
// bundler copies it (esbuild's file loader: resolve it with `new URL(url, import.meta.url)`), or the
// module the runtime compiled where the runtime compiles it (workerd, and wrangler's bundles).
declare const wasm: string | WebAssembly.Module;
export default wasm;
