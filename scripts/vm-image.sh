#!/usr/bin/env bash
# Builds the "vm" base image of the real-workload tests and benchmarks: a Debian bookworm tree
# set up like a small VM, with Debian's systemd and a dozen real services installed the ordinary
# way (apt-get in a chroot), so that their maintainer scripts enable their units, create their
# users, databases and keys exactly as on a machine. Nothing is started during the build
# (policy-rc.d denies it). Cached: the tree and the image are rebuilt only when this script or
# the Debian tree it starts from changes (first build about 2 minutes, 950 MB;
# then well under a second).
#
#   .cache/rootfs/vm/       the tree (a copy of .cache/rootfs/debian plus the packages below)
#   localhost/ts-init-base-vm:ID   imported into the private podman storage
#
# What is in it (native systemd units unless said otherwise):
#   openssh-server, cron, rsyslog, dbus (socket-activated), nginx + php8.2-fpm (the default site
#   passes *.php to FPM; /var/www/html/probe.php), redis-server, mariadb-server, postgresql
#   (units made by its generator), bind9, squid, postfix ("Local only": listens on loopback;
#   postfix.service plus the postfix@-.service instance its generator enables), slapd (SysV init
#   script only), xinetd (SysV init script only; its internal daytime service enabled), systemd +
#   systemd-sysv (for the systemd oracle runs), supervisor (for the benchmark's third boot),
#   and the clients the probes use (curl, dig, ldapsearch; redis-cli, mariadb, psql come with
#   their servers).
#
# Usage: scripts/vm-image.sh   prints `export TS_INIT_BASE_VM='REF'` (plus container-env.sh's
# exports) on stdout; progress goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/scripts/vm-image.sh"
ROOTFS_DIR="$ROOT/.cache/rootfs"

log() { printf '[vm-image] %s\n' "$*" >&2; }
die() { printf '[vm-image] ERROR: %s\n' "$*" >&2; exit 1; }

# The private podman configuration and the plain Debian tree this one starts from.
env_out=$(bash "$ROOT/scripts/container-env.sh")
eval "$env_out"
export TMPDIR="$ROOT/.cache/podman/buildtmp"
[ -f "$ROOTFS_DIR/debian.ready" ] || die "container-env.sh did not build .cache/rootfs/debian"

exec 8>"$ROOT/.cache/vm-image.lock"
flock 8

VM_PACKAGES=(
  systemd systemd-sysv dbus
  openssh-server cron rsyslog
  nginx php8.2-fpm
  redis-server mariadb-server postgresql
  bind9 bind9-dnsutils squid
  postfix slapd ldap-utils xinetd
  supervisor curl procps iproute2 psmisc
)

# Build id: the Debian tree's id plus this script's commands (package list and set-up steps;
# comment lines left out, so that editing them rebuilds nothing).
VM_ID=$( { cat "$ROOTFS_DIR/debian.ready"; grep -v '^[[:space:]]*#' "$SELF"; } | sha256sum | cut -c1-16)
VM_DIR="$ROOTFS_DIR/vm"
VM_MARKER="$ROOTFS_DIR/vm.ready"

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

build_vm_rootfs() {
  local tmp="$ROOTFS_DIR/vm.tmp" start
  start=$(date +%s)
  log "building the vm tree (${VM_PACKAGES[*]}); about 2 minutes"
  rm -f "$VM_MARKER"
  safe_rm "$tmp"
  safe_rm "$VM_DIR"
  cp -a "$ROOTFS_DIR/debian" "$tmp"

  # Package installation must not start anything on the build machine.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 0755 "$tmp/usr/sbin/policy-rc.d"
  cp -L /etc/resolv.conf "$tmp/etc/resolv.conf"
  # The tree was made with a private hostname-less chroot: give the maintainer scripts
  # (postfix, slapd) a stable name rather than the build machine's.
  echo vm >"$tmp/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tvm.localdomain vm\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$tmp/etc/hosts"

  # postfix asks what kind of mail system this is: a local one, which listens on loopback only
  # (inet_interfaces = loopback-only), the same configuration whichever init boots the image.
  if ! in_tree "$tmp" "
      printf '%s\\n' 'postfix postfix/main_mailer_type select Local only' \\
        'postfix postfix/mailname string vm.localdomain' | debconf-set-selections
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends ${VM_PACKAGES[*]}
    " >"$ROOTFS_DIR/vm-build.log" 2>&1; then
    tail -n 40 "$ROOTFS_DIR/vm-build.log" >&2
    safe_rm "$tmp"
    die "installing the vm packages failed (full log: $ROOTFS_DIR/vm-build.log)"
  fi

  # nginx: the default site also passes *.php to php8.2-fpm's socket.
  cat >"$tmp/etc/nginx/sites-available/default" <<'EOF'
server {
	listen 80 default_server;
	listen [::]:80 default_server;
	root /var/www/html;
	index index.html index.nginx-debian.html index.php;
	server_name _;
	location / {
		try_files $uri $uri/ =404;
	}
	location ~ \.php$ {
		include snippets/fastcgi-php.conf;
		fastcgi_pass unix:/run/php/php8.2-fpm.sock;
	}
}
EOF
  cat >"$tmp/var/www/html/probe.php" <<'EOF'
<?php echo "php-fpm ok ", PHP_VERSION, " ", php_sapi_name(), "\n";
EOF
  # xinetd exits when no service is enabled: enable its internal daytime (TCP) service.
  cat >"$tmp/etc/xinetd.d/daytime" <<'EOF'
service daytime
{
	disable		= no
	type		= INTERNAL
	id		= daytime-stream
	socket_type	= stream
	protocol	= tcp
	user		= root
	wait		= no
	bind		= 127.0.0.1
}
EOF
  # squid waits 30 s for open connections when told to stop (shutdown_lifetime), which would
  # make every shutdown of the image take over 30 s under any init: 1 s, as in a container.
  printf '# Set by scripts/vm-image.sh: stop within a second.\nshutdown_lifetime 1 seconds\n' \
    >"$tmp/etc/squid/conf.d/vm-image.conf"
  # The systemctl front of ts-init under a name of its own: /usr/bin/systemctl stays systemd's.
  mkdir -p "$tmp/usr/local/lib/ts-init"
  ln -sfn /sbin/ts-init "$tmp/usr/local/lib/ts-init/systemctl"

  # What only the build needed; containers get hostname, hosts and resolv.conf from the engine.
  rm -f "$tmp/usr/sbin/policy-rc.d" "$tmp/etc/resolv.conf"
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin "$tmp"/var/lib/apt/lists/*
  rm -f "$tmp"/var/log/apt/* "$tmp"/var/log/dpkg.log 2>/dev/null || true
  : >"$tmp/etc/machine-id"
  mv "$tmp" "$VM_DIR"
  echo "$VM_ID" >"$VM_MARKER"
  log "vm tree ready in $(( $(date +%s) - start )) s ($(du -sh "$VM_DIR" | cut -f1))"
}

if [ ! -f "$VM_MARKER" ] || [ "$(cat "$VM_MARKER")" != "$VM_ID" ] || [ ! -x "$VM_DIR/usr/sbin/nginx" ]; then
  build_vm_rootfs
fi

REF="localhost/ts-init-base-vm:$VM_ID"
if ! podman image exists "$REF"; then
  log "importing the vm tree as $REF"
  podman images --noheading --format '{{.Repository}}:{{.Tag}}' localhost/ts-init-base-vm 2>/dev/null |
    while read -r old; do podman rmi -f "$old" >/dev/null 2>&1 || true; done
  tar --numeric-owner -C "$VM_DIR" -c . | podman import --quiet - "$REF" >/dev/null
fi

printf '%s\n' "$env_out"
printf "export TS_INIT_BASE_VM='%s'\n" "$REF"
