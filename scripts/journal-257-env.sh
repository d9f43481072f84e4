#!/usr/bin/env bash
# A Debian 13 (trixie) tree with its systemd package (journalctl 257) and python3-systemd
# (libsystemd 257's reader, as fail2ban's systemd backend uses it), cached under
# .cache/rootfs/trixie-journal/, for the slow test that reads ts-init's journal files with
# systemd 257's journalctl (test/integration/journal-file-257.test.ts). Built once with
# debootstrap from the mirror apt is configured for (about a minute); a run that finds it
# ready returns at once. Prints the tree's path on stdout.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/.cache/rootfs"
TREE="$DIR/trixie-journal"
log() { printf '[journal-257-env] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { log "must run as root (debootstrap)"; exit 1; }
mkdir -p "$DIR"
exec 9>"$DIR/trixie-journal.lock"
flock 9
if [ ! -e "$TREE.ready" ]; then
  command -v debootstrap >/dev/null || { log "debootstrap is not installed"; exit 1; }
  MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  rm -rf --one-file-system "$TREE.tmp"
  log "building the trixie tree with systemd from $MIRROR (about a minute)"
  if ! debootstrap --variant=minbase --include=systemd,python3-systemd trixie "$TREE.tmp" "$MIRROR" >"$DIR/debootstrap-trixie-journal.log" 2>&1; then
    tail -n 20 "$DIR/debootstrap-trixie-journal.log" >&2
    rm -rf --one-file-system "$TREE.tmp"
    exit 1
  fi
  rm -rf --one-file-system "$TREE"
  mv "$TREE.tmp" "$TREE"
  touch "$TREE.ready"
fi
# A tree built before python3-systemd was part of it gets it now.
if [ ! -d "$TREE/usr/lib/python3/dist-packages/systemd" ]; then
  log "adding python3-systemd to the trixie tree"
  chroot "$TREE" apt-get install -y --no-install-recommends python3-systemd >"$DIR/trixie-journal-python.log" 2>&1 ||
    { tail -n 20 "$DIR/trixie-journal-python.log" >&2; exit 1; }
fi
echo "$TREE"
