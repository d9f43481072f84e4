#!/usr/bin/env bash
# Tools the unit tests call besides the basics of setup.sh: Debian's systemd-notify
# (what packaged shell scripts use to say READY=1; the systemd package only, which
# does not make systemd the machine's init), setpriv, and D-Bus (its own units are run
# under ts-init in a PID namespace; its daemon is not started on this machine).
set -euo pipefail
need=()
command -v systemd-notify >/dev/null 2>&1 || need+=(systemd)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
{ command -v dbus-daemon && command -v dbus-send && [ -e /lib/systemd/system/dbus.socket ]; } >/dev/null 2>&1 || need+=(dbus)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Packages' maintainer scripts must not start daemons here (exit 101: "action forbidden").
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
