#!/usr/bin/env bash
# Tools the unit tests call besides the basics of setup.sh: Debian's systemd-notify
# (what packaged shell scripts use to say READY=1; the systemd package only, which
# does not make systemd the machine's init) and setpriv.
set -euo pipefail
need=()
command -v systemd-notify >/dev/null 2>&1 || need+=(systemd)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
