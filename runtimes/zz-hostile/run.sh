#!/bin/bash
# usage: run.sh scenario.mjs
B=/work/main/runtimes/binaries/node_modules
cd /work/main/runtimes/zz-hostile
for r in node $B/node22/bin/node $B/node24/bin/node "$B/@oven/bun-linux-x64/bin/bun" "$B/@deno/linux-x64-glibc/deno run --allow-read --allow-write --allow-env"; do
  timeout 120 $r h.mjs "$1" 2>&1
done
