#!/usr/bin/env bash
# Builds the "journal" images of the journal proof (test/container/journal-*.test.ts) and the
# journal benchmarks: a small Debian server whose daemons log the ordinary ways (sshd and cron
# through syslog(3), Postfix, fail2ban reading the journal or auth.log), on Debian 12 (systemd
# 252) and Debian 13 (systemd 257). Installed the ordinary way (apt-get in a chroot, nothing
# started: policy-rc.d denies it), so that their maintainer scripts enable their units. Cached
# like scripts/vm-image.sh: a tree per release, rebuilt only when this script or the tree it
# starts from changes; the images are imported/derived once per build id.
#
#   .cache/rootfs/journal-bookworm/   from .cache/rootfs/debian (scripts/container-env.sh)
#   .cache/rootfs/journal-trixie/     from .cache/rootfs/trixie-journal (scripts/journal-257-env.sh)
#
# Every tree has openssh-server (+ client), cron, postfix ("Local only"), fail2ban,
# python3-systemd, rsyslog, systemd + systemd-sysv (the oracle boots), procps (and, unpacked,
# systemd-standalone-sysusers for the images without systemd). Three images per
# release are made from it:
#   localhost/ts-init-journal-SUITE-rsyslog:ID    as built: rsyslog enabled; fail2ban's sshd jail
#                                                 reads /var/log/auth.log (backend = polling)
#   localhost/ts-init-journal-SUITE:ID            rsyslog purged; the sshd jail has backend = systemd
#   localhost/ts-init-journal-SUITE-nosystemd:ID  rsyslog, systemd and systemd-sysv purged (no
#                                                 journalctl of systemd's; systemd-standalone-sysusers
#                                                 instead): /usr/bin/journalctl links to /sbin/ts-init
# In all of them /usr/local/lib/ts-init/{systemctl,journalctl} link to /sbin/ts-init (ts-init's
# fronts under names of their own: /usr/bin's stay systemd's), /etc/cron.d/journal-proof has an
# @reboot job (so that CRON lines exist right after a boot), and fail2ban bans with the dummy
# action (no firewall in the image).
#
# Cost: first build about 2-3 minutes per release (apt), about 420 MB (bookworm) and 480 MB
# (trixie) of tree; the derived images are a few MB of layers each; a cached run is under a second.
#
# Usage: scripts/journal-image.sh [bookworm|trixie]...   (default both). Prints container-env.sh's
# exports plus `export TS_INIT_JOURNAL_<SUITE>[_RSYSLOG|_NOSYSTEMD]='REF'` on stdout; progress on
# stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/scripts/journal-image.sh"
ROOTFS_DIR="$ROOT/.cache/rootfs"

log() { printf '[journal-image] %s\n' "$*" >&2; }
die() { printf '[journal-image] ERROR: %s\n' "$*" >&2; exit 1; }

SUITES=("$@")
[ ${#SUITES[@]} -gt 0 ] || SUITES=(bookworm trixie)
for s in "${SUITES[@]}"; do
  case $s in bookworm | trixie) ;; *) die "unknown release: $s (bookworm or trixie)" ;; esac
done

env_out=$(bash "$ROOT/scripts/container-env.sh")
eval "$env_out"
export TMPDIR="$ROOT/.cache/podman/buildtmp"
mkdir -p "$TMPDIR"
[ -f "$ROOTFS_DIR/debian.ready" ] || die "container-env.sh did not build .cache/rootfs/debian"

JOURNAL_PACKAGES=(
  systemd systemd-sysv
  openssh-server openssh-client cron postfix fail2ban python3-systemd rsyslog procps
)

safe_rm() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  dir=$(readlink -f "$dir")
  findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1 || $0 == d' | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$dir"
}

# Runs a shell script inside the tree, with /proc, /sys, /dev and a scratch /run mounted in a
# private mount namespace (they vanish with it, even if the build is interrupted).
in_tree() {
  local tree=$1 script=$2
  unshare -m --propagation private /bin/sh -euc '
    t=$1; s=$2
    mount -t proc proc "$t/proc"
    mount --rbind /sys "$t/sys"
    mount --rbind /dev "$t/dev"
    mount -t tmpfs tmpfs "$t/dev/shm"
    mount -t tmpfs tmpfs "$t/run"
    mount -t tmpfs tmpfs "$t/tmp"
    chmod 1777 "$t/tmp"
    exec chroot "$t" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 /bin/bash -euc "$s"
  ' in-tree "$tree" "$script"
}

# The tree a release starts from, and what identifies its build.
source_tree() {
  case $1 in
    bookworm) echo "$ROOTFS_DIR/debian" ;;
    trixie) bash "$ROOT/scripts/journal-257-env.sh" ;;
  esac
}
source_id() {
  case $1 in
    bookworm) cat "$ROOTFS_DIR/debian.ready" ;;
    trixie) stat -c %Y "$ROOTFS_DIR/trixie-journal.ready" ;;
  esac
}

build_tree() {
  local suite=$1 from=$2 dir=$3 marker=$4 id=$5 tmp="$3.tmp" start
  start=$(date +%s)
  log "building the $suite journal tree (${JOURNAL_PACKAGES[*]}); about 2-3 minutes"
  rm -f "$marker"
  safe_rm "$tmp"
  safe_rm "$dir"
  cp -a "$from" "$tmp"
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 0755 "$tmp/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$tmp/etc/resolv.conf"
  echo journal >"$tmp/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tjournal.localdomain journal\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/etc/hosts"
  if ! in_tree "$tmp" "
      printf '%s\\n' 'postfix postfix/main_mailer_type select Local only' \\
        'postfix postfix/mailname string journal.localdomain' | debconf-set-selections
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends ${JOURNAL_PACKAGES[*]}
      mkdir -p /var/cache/journal-proof && cd /var/cache/journal-proof && apt-get download -qq systemd-standalone-sysusers
    " >"$ROOTFS_DIR/journal-$suite-build.log" 2>&1; then
    tail -n 40 "$ROOTFS_DIR/journal-$suite-build.log" >&2
    safe_rm "$tmp"
    die "installing the $suite journal packages failed (full log: $ROOTFS_DIR/journal-$suite-build.log)"
  fi

  # rsyslog's kernel log input is refused in a container (/proc/kmsg): not part of the proof.
  sed -i 's/^\(module(load="imklog".*\)$/#\1/' "$tmp/etc/rsyslog.conf"
  # cron logs its job lines (identifier CRON) when it runs one: one at every boot.
  printf '# Set by scripts/journal-image.sh: a CRON line at every boot.\n@reboot root echo journal-proof-cron >/dev/null\n' \
    >"$tmp/etc/cron.d/journal-proof"
  chmod 0644 "$tmp/etc/cron.d/journal-proof"
  # fail2ban: the sshd jail reads auth.log here (rsyslog writes it); the images without rsyslog
  # replace this file with backend = systemd. Bans go nowhere (no firewall in the image); the
  # failed logins come from 127.0.0.1, which fail2ban ignores by default (ignoreself).
  cat >"$tmp/etc/fail2ban/jail.d/journal-proof.local" <<'EOF'
# Set by scripts/journal-image.sh.
[DEFAULT]
banaction = dummy
banaction_allports = dummy
ignoreself = false
ignoreip =

[sshd]
enabled = true
backend = polling
logpath = /var/log/auth.log
EOF
  # /var/log/auth.log is there, as on a VM (its installer's rsyslog made it; logrotate's `create`
  # keeps it): without it, a jail polling it fails when fail2ban starts before rsyslog's first auth
  # line, under systemd as under ts-init, a race of the fresh image and not of the init.
  install -m 0640 -o 0 -g 4 /dev/null "$tmp/var/log/auth.log"
  mkdir -p "$tmp/usr/local/lib/ts-init"
  ln -sfn /sbin/ts-init "$tmp/usr/local/lib/ts-init/systemctl"
  ln -sfn /sbin/ts-init "$tmp/usr/local/lib/ts-init/journalctl"

  rm -f "$tmp/usr/sbin/policy-rc.d" "$tmp/etc/resolv.conf"
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin "$tmp"/var/lib/apt/lists/*
  rm -f "$tmp"/var/log/apt/* "$tmp"/var/log/dpkg.log 2>/dev/null || true
  rm -rf "$tmp"/var/log/journal/* 2>/dev/null || true
  : >"$tmp/etc/machine-id"
  mv "$tmp" "$dir"
  echo "$id" >"$marker"
  log "$suite journal tree ready in $(( $(date +%s) - start )) s ($(du -sh "$dir" | cut -f1))"
}

# FROM base plus one RUN step, tagged REF (built once).
derive() {
  local base=$1 ref=$2 step=$3 ctx
  podman image exists "$ref" && return 0
  log "deriving $ref"
  ctx=$(mktemp -d)
  printf 'FROM %s\nRUN %s\n' "$base" "$step" >"$ctx/Containerfile"
  podman build --pull=never --quiet -t "$ref" -f "$ctx/Containerfile" "$ctx" >/dev/null ||
    { rm -rf "$ctx"; die "deriving $ref failed"; }
  rm -rf "$ctx"
}

# The jail of the images without rsyslog: the journal, through python3-systemd.
JAIL_SYSTEMD='printf "%s\n" "# Set by scripts/journal-image.sh." "[DEFAULT]" "banaction = dummy" "banaction_allports = dummy" "ignoreself = false" "ignoreip =" "" "[sshd]" "enabled = true" "backend = systemd" >/etc/fail2ban/jail.d/journal-proof.local'

# The images without systemd: what needs systemd-sysusers (trixie's openssh-server and cron) gets
# the standalone one, as on a machine without systemd; /usr/bin/journalctl is ts-init's.
NO_SYSTEMD='dpkg --purge --force-remove-protected --force-depends systemd-sysv systemd >/dev/null && dpkg -i /var/cache/journal-proof/systemd-standalone-sysusers_*.deb >/dev/null && rm -rf /var/cache/journal-proof && ln -sfn /sbin/ts-init /usr/bin/journalctl && dpkg --audit'

exports=()
for suite in "${SUITES[@]}"; do
  from=$(source_tree "$suite")
  [ -d "$from" ] || die "no source tree for $suite ($from)"
  exec 8>"$ROOT/.cache/journal-image-$suite.lock"
  flock 8
  id=$( { echo "$suite"; source_id "$suite"; grep -v '^[[:space:]]*#' "$SELF"; } | sha256sum | cut -c1-16)
  dir="$ROOTFS_DIR/journal-$suite"
  marker="$ROOTFS_DIR/journal-$suite.ready"
  if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$id" ] || [ ! -x "$dir/usr/sbin/sshd" ]; then
    build_tree "$suite" "$from" "$dir" "$marker" "$id"
  fi
  repo="localhost/ts-init-journal-$suite"
  ref_rsyslog="$repo-rsyslog:$id"
  if ! podman image exists "$ref_rsyslog"; then
    for r in "$repo-rsyslog" "$repo" "$repo-nosystemd"; do
      podman images --noheading --format '{{.Repository}}:{{.Tag}}' "$r" 2>/dev/null |
        while read -r old; do podman rmi -f "$old" >/dev/null 2>&1 || true; done
    done
    log "importing the $suite journal tree as $ref_rsyslog"
    tar --numeric-owner -C "$dir" -c . | podman import --quiet - "$ref_rsyslog" >/dev/null
  fi
  derive "$ref_rsyslog" "$repo:$id" "dpkg --purge rsyslog >/dev/null && $JAIL_SYSTEMD"
  derive "$repo:$id" "$repo-nosystemd:$id" "$NO_SYSTEMD"
  up=$(echo "$suite" | tr '[:lower:]' '[:upper:]')
  exports+=("export TS_INIT_JOURNAL_${up}='$repo:$id'"
    "export TS_INIT_JOURNAL_${up}_RSYSLOG='$ref_rsyslog'"
    "export TS_INIT_JOURNAL_${up}_NOSYSTEMD='$repo-nosystemd:$id'")
  exec 8>&-
done

printf '%s\n' "$env_out"
printf '%s\n' "${exports[@]}"
