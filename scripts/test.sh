#!/usr/bin/env bash
# Every check: the generated FFI agrees with the C, lint, types, every test in Node.js, the core's
# tests again under Node.js 22 and 24 and in headless Chromium, and the host matrix (runtimes/:
# Bun, Deno, Firefox, workerd, bundlers). Run scripts/setup.sh once first.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
pnpm exec biome check .
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pnpm exec turbo run typecheck test test:node22 test:node24 test:browser --concurrency=2 --output-logs=new-only | tee "$log"
# One closing line for the whole run, summed over every package's vitest summary.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^[^ ]*:? *Tests +[0-9]/ {
    for (i = 1; i <= NF; i++) {
      if ($(i + 1) ~ /^passed/) passed += $i
      if ($(i + 1) ~ /^failed/) failed += $i
    }
  }
  END { printf "tests: %d passed, %d failed\n", passed, failed }'
