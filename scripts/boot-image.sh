#!/usr/bin/env bash
# The base image of the boot-machinery container test: Debian bookworm minbase as a
# VM-style image (systemd and systemd-sysv installed, so /sbin/{shutdown,runlevel,...}
# link to systemctl and /sbin/init exists), with cron (unit + init script), exim4,
# which ships only a SysV init script, and PostgreSQL, whose cluster unit
# (postgresql@15-main) only its package's generator makes. Built once into .cache/rootfs/debian-boot (about two
# minutes), imported into the private podman storage of scripts/container-env.sh.
# Prints: export TS_INIT_BASE_DEBIAN_BOOT='<image ref>'
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache"
DIR="$CACHE/rootfs/debian-boot"
MARKER="$CACHE/rootfs/debian-boot.ready"
PACKAGES=procps,cron,systemd,systemd-sysv,exim4-daemon-light,postgresql

# shellcheck disable=SC1091
. <("$ROOT/scripts/container-env.sh" | grep '^export CONTAINERS_')

mirror() {
  local f u
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    u=$(awk '/^URIs:/ { print $2; exit }' "$f")
    if [ -n "$u" ]; then echo "$u"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    u=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^http/) { print $i; exit } }' "$f")
    if [ -n "$u" ]; then echo "$u"; return; fi
  done
  echo http://deb.debian.org/debian
}

exec 9>"$CACHE/boot-image.lock"
flock 9
if [ ! -f "$MARKER" ] || [ ! -x "$DIR/usr/sbin/exim4" ] || [ ! -x "$DIR/usr/lib/postgresql/15/bin/postgres" ]; then
  echo "boot-image: building $DIR (about three minutes, once)" >&2
  rm -rf "$DIR.tmp" "$DIR" "$MARKER"
  debootstrap --variant=minbase --include="$PACKAGES" bookworm "$DIR.tmp" "$(mirror)" >"$CACHE/rootfs/debootstrap-debian-boot.log" 2>&1 ||
    { tail -n 30 "$CACHE/rootfs/debootstrap-debian-boot.log" >&2; exit 1; }
  rm -rf "$DIR.tmp"/var/cache/apt/archives/*.deb "$DIR.tmp"/var/cache/apt/*.bin "$DIR.tmp"/var/lib/apt/lists/*
  : >"$DIR.tmp/etc/machine-id"
  mv "$DIR.tmp" "$DIR"
  printf '%s\n' "$(date +%Y%m%d%H%M%S)" >"$MARKER"
fi
ref="localhost/ts-init-base-debian-boot:$(cat "$MARKER")"
if ! podman image exists "$ref"; then
  tar --numeric-owner -C "$DIR" -c . | podman import --quiet - "$ref" >/dev/null
fi
echo "export TS_INIT_BASE_DEBIAN_BOOT='$ref'"
