#!/usr/bin/env bash
# Runs a command with another Node.js first on PATH: one of the host matrix's binaries, which
# `pnpm install` puts in runtimes/binaries (Linux x64). Usage: on-node.sh 22 vitest run
set -euo pipefail
bin="$(cd "$(dirname "$0")/.." && pwd)/runtimes/binaries/node_modules/node$1/bin"
if [ ! -x "$bin/node" ]; then
  echo "Node.js $1 is missing at $bin: run \`pnpm install\` (the binaries are for Linux x64)" >&2
  exit 1
fi
shift
PATH="$bin:$PATH" exec "$@"
