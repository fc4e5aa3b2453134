#!/usr/bin/env bash
# Sets up a fresh Debian machine (Node.js 20 and npm are all it needs) and runs the demo:
# Debian's emscripten, chromium and firefox-esr when missing, pnpm, the workspace's packages (the
# host matrix's Node.js 22 and 24, Bun, Deno and workerd among them, as binaries from the npm
# registry), XS's sources, the wasm build and the TypeScript builds.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || {
  echo "xsb needs Node.js 20 or later; this is $(node --version)." >&2
  exit 1
}

apt_install() {
  if command -v apt-get >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing $* from Debian's packages"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
  else
    echo "This machine has no apt-get. Install $* with your package manager (emscripten 3.1.6 is what" >&2
    echo "xsb is built and tested with; put emcc on PATH), then run this again." >&2
    exit 1
  fi
}

missing=()
command -v emcc >/dev/null 2>&1 || missing+=(emscripten)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

want_pnpm=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$want_pnpm" ]; then
  say "installing pnpm $want_pnpm"
  npm install --global --silent "pnpm@$want_pnpm"
fi

say "installing the workspace's packages"
pnpm install --frozen-lockfile

say "unpacking XS from the npm registry"
node scripts/fetch-xs.mjs

say "building (wasm, then TypeScript)"
pnpm build

say "demo"
pnpm demo
