#!/usr/bin/env bash
# The test suites of tini 0.19.0 and dumb-init 1.2.5, which ts-init must pass as those
# inits: fetched from Debian's source packages (their upstream tarballs carry the tests)
# into .cache/peer-suites/, with what they need to run (pytest, psutil, prctl, a C
# compiler). The host's apt sources and lists are not touched: the deb-src entry and its
# lists live in a private directory. Idempotent; quick once everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="$PWD/.cache/peer-suites"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

need=()
for p in python3-psutil python3-prctl python3-pytest python3-py gcc libc6-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The mirror of the machine's own deb entry (deb822 or one-line form).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

fetch() { # PACKAGE VERSION DIR: unpacks PACKAGE_VERSION.orig.tar.* into $CACHE/DIR
  local pkg=$1 version=$2 dir=$3 d
  [ -f "$CACHE/$dir/.complete" ] && return 0
  d=$(mktemp -d "$CACHE/apt.XXXXXX")
  mkdir -p "$d/lists/partial" "$d/parts"
  cat >"$d/parts/src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  local apt_src=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$d/parts" -o "Dir::State::Lists=$d/lists")
  apt-get -o APT::Sandbox::User=root "${apt_src[@]}" update -qq
  # The Debian part can be gone from the mirror; only the upstream tarball holds the tests.
  (cd "$d" && apt-get -o APT::Sandbox::User=root "${apt_src[@]}" source --download-only "$pkg=$version-"'*' >/dev/null 2>&1 ||
    apt-get -o APT::Sandbox::User=root "${apt_src[@]}" source --download-only "$pkg" >/dev/null 2>&1 || true)
  local orig
  orig=$(ls "$d/${pkg}_${version}".orig.tar.* 2>/dev/null | head -n1 || true)
  [ -n "$orig" ] || { echo "setup-peer-suites: no ${pkg}_${version}.orig.tar.* from $mirror" >&2; rm -rf "$d"; exit 1; }
  rm -rf "${CACHE:?}/$dir"
  mkdir -p "$CACHE/$dir"
  tar -xf "$orig" -C "$CACHE/$dir" --strip-components=1
  rm -rf "$d"
  touch "$CACHE/$dir/.complete"
}

fetch tini 0.19.0 tini
fetch dumb-init 1.2.5 dumb-init
echo "peer suites ready in $CACHE"
