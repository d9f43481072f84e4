#!/usr/bin/env bash
# Static checks, run before the tests: the typecheck (esbuild strips types without
# checking them), the linter, and the floor plan of imports (ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/tsc -p tsconfig.json --noEmit
node_modules/.bin/biome lint --error-on-warnings
node scripts/check-imports.js
echo "checks: typecheck, lint and import floors clean"
