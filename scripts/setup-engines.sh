#!/usr/bin/env bash
# Installs the container engines the engine tests and benchmarks drive (test/engines/,
# bench/engines.mjs): Debian's docker.io (Docker 20.10, which brings containerd and
# runc). Nothing is started or enabled: the tests run private daemons with state under
# .cache/engines/. Safe to run again; quick when everything is there.
set -euo pipefail
need=()
for p in docker.io containerd runc dpkg-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  # policy-rc.d may refuse to start the daemons: that is what we want.
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
