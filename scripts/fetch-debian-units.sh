#!/usr/bin/env bash
# Fetches the systemd service files shipped by a few real Debian packages (cron,
# openssh-server, rsyslog) so the unit parser can be tested against them. Nothing
# fetched here is committed: DEST lives under the git-ignored .cache/.
#
# Usage: scripts/fetch-debian-units.sh [DEST]      (DEST defaults to .cache/debian-units)
#
# Idempotent: when DEST already holds the files of every package, it returns at once.
# Progress goes to stderr; on success the last line on stdout is DEST.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-$ROOT/.cache/debian-units}
PACKAGES=(cron openssh-server rsyslog)
# One file per package proves that package was extracted.
MARKERS=(cron.service ssh.service rsyslog.service)

complete() {
  local m
  for m in "${MARKERS[@]}"; do [[ -s "$DEST/$m" ]] || return 1; done
  return 0
}

if complete; then
  echo "$DEST"
  exit 0
fi

mkdir -p "$DEST"
# Serialise concurrent runs (several test workers may call this at once).
exec 9>"$DEST/.lock"
flock 9
if complete; then
  echo "$DEST"
  exit 0
fi

SUDO=
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi

lists_empty() {
  ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}
if lists_empty; then
  echo "fetch-debian-units: package lists are empty; running apt-get update" >&2
  $SUDO apt-get update -qq >&2
fi

WORK=$(mktemp -d)
chmod 755 "$WORK"  # apt downloads as the _apt user when it can
trap 'rm -rf "$WORK"' EXIT
(
  cd "$WORK"
  if ! apt-get download "${PACKAGES[@]}" >&2; then
    echo "fetch-debian-units: download failed; refreshing package lists and retrying" >&2
    $SUDO apt-get update -qq >&2
    apt-get download "${PACKAGES[@]}" >&2
  fi
  for deb in ./*.deb; do
    dpkg-deb -x "$deb" extracted
  done
)

shopt -s nullglob
copied=0
for dir in "$WORK/extracted/lib/systemd/system" "$WORK/extracted/usr/lib/systemd/system"; do
  for f in "$dir"/*.service; do
    # Keep symlinks as symlinks (Debian ships none for these packages, but be faithful).
    cp -P "$f" "$DEST/"
    copied=$((copied + 1))
  done
done
echo "fetch-debian-units: copied $copied service files into $DEST" >&2
complete || { echo "fetch-debian-units: expected files missing in $DEST" >&2; exit 1; }
echo "$DEST"
