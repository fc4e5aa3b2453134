// What each bundler or runtime makes of an import of the engine's wasm file.

/** esbuild with `--loader:.wasm=file`: the URL of the file it copies next to the bundle. */
declare module '@xsb/xs-wasm/xsb.wasm' {
  const url: string;
  export default url;
}

/** workerd, whose worker configuration lists the file as a `wasm` module: it compiled it. */
declare module '*/xsb.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
