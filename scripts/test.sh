#!/usr/bin/env bash
# Every check: the generated FFI agrees with the C, lint, types, the tests in Node.js and the
# engine's tests in headless Chromium. Run scripts/setup.sh once first.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
pnpm exec biome check .
pnpm exec turbo run typecheck test test:browser --concurrency=2 --output-logs=new-only
