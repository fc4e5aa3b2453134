// workerd's import of the engine's wasm file beside the worker (the package's own subpath,
// '@xsb/xs-wasm/xsb.wasm', has its types in the package).

/** workerd, whose worker configuration lists the file as a `wasm` module: it compiled it. */
declare module '*/xsb.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
