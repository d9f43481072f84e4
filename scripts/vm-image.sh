#!/usr/bin/env bash
# Builds the "vm" base image of the real-workload tests and benchmarks: a Debian tree set up like
# a small VM, with Debian's systemd and a dozen real services installed the ordinary way (apt-get
# in a chroot), so that their maintainer scripts enable their units, create their users,
# databases and keys exactly as on a machine. Nothing is started during the build (policy-rc.d
# denies it). Two releases, each with its own systemd: bookworm (Debian 12, systemd 252, the
# default) and trixie (Debian 13, systemd 257). Cached: the tree and the image are rebuilt only
# when this script or the Debian tree it starts from changes (first build about 2 minutes for
# bookworm, 6-8 for trixie, about 1 GB each; then well under a second).
#
#   .cache/rootfs/vm-SUITE/       the tree (a copy of .cache/rootfs/debian for bookworm, of
#                                 .cache/rootfs/trixie-journal (scripts/journal-257-env.sh) for
#                                 trixie, plus the packages below)
#   localhost/ts-init-base-vm-SUITE:ID   imported into the private podman storage
#
# What is in it (native systemd units unless said otherwise):
#   openssh-server, cron, rsyslog, dbus (socket-activated; on trixie dbus-broker is the system
#   bus, enabled as Debian documents it: `systemctl enable dbus-broker`), nginx + php-fpm (8.2,
#   8.4; the default site passes *.php to FPM; /var/www/html/probe.php), redis-server,
#   mariadb-server, postgresql (15, 17; units made by its generator), bind9, squid, postfix
#   ("Local only": listens on loopback; on bookworm postfix.service plus the postfix@-.service
#   instance its generator enables, on trixie postfix.service alone), slapd and xinetd (SysV init
#   scripts only on bookworm), prometheus-node-exporter (its systemd collector asks the init over
#   D-Bus), systemd + systemd-sysv (for the systemd oracle runs), supervisor (for the benchmark's
#   third boot), and the clients the probes use (curl, dig, ldapsearch; redis-cli, mariadb, psql
#   come with their servers; busctl with systemd, dbus-send with dbus).
#   /usr/local/lib/ts-init/ holds ts-init's fronts under systemd's names (systemctl, hostnamectl,
#   timedatectl, localectl): the image's own /usr/bin ones stay systemd's.
#
# Usage: scripts/vm-image.sh [bookworm|trixie]   prints `export TS_INIT_BASE_VM='REF'` (plus
# container-env.sh's exports) on stdout; progress goes to stderr.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/scripts/vm-image.sh"
ROOTFS_DIR="$ROOT/.cache/rootfs"
SUITE=${1:-bookworm}

log() { printf '[vm-image] %s\n' "$*" >&2; }
die() { printf '[vm-image] ERROR: %s\n' "$*" >&2; exit 1; }

# The private podman configuration and the plain Debian tree this one starts from.
env_out=$(bash "$ROOT/scripts/container-env.sh")
eval "$env_out"
export TMPDIR="$ROOT/.cache/podman/buildtmp"

# The tree each release starts from, and what differs between them.
case $SUITE in
  bookworm)
    [ -f "$ROOTFS_DIR/debian.ready" ] || die "container-env.sh did not build .cache/rootfs/debian"
    BASE_TREE="$ROOTFS_DIR/debian"
    BASE_ID=$(cat "$ROOTFS_DIR/debian.ready")
    PHP=8.2
    SUITE_PACKAGES=(dbus)
    ;;
  trixie)
    BASE_TREE=$(bash "$ROOT/scripts/journal-257-env.sh")
    BASE_ID="trixie-journal $(stat -c %Y "$BASE_TREE.ready")"
    PHP=8.4
    SUITE_PACKAGES=(dbus dbus-broker)
    ;;
  *) die "unknown release: $SUITE (bookworm or trixie)" ;;
esac

exec 8>"$ROOT/.cache/vm-image-$SUITE.lock"
flock 8

VM_PACKAGES=(
  systemd systemd-sysv "${SUITE_PACKAGES[@]}"
  openssh-server cron rsyslog
  nginx "php$PHP-fpm"
  redis-server mariadb-server postgresql
  bind9 bind9-dnsutils squid
  postfix slapd ldap-utils xinetd
  prometheus-node-exporter
  supervisor curl procps iproute2 psmisc
)

# Build id: the Debian tree's id plus this script's commands (package list and set-up steps;
# comment lines left out, so that editing them rebuilds nothing).
VM_ID=$( { echo "$SUITE $BASE_ID"; grep -v '^[[:space:]]*#' "$SELF"; } | sha256sum | cut -c1-16)
VM_DIR="$ROOTFS_DIR/vm-$SUITE"
VM_MARKER="$ROOTFS_DIR/vm-$SUITE.ready"
BUILD_LOG="$ROOTFS_DIR/vm-$SUITE-build.log"

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
  local tmp="$ROOTFS_DIR/vm-$SUITE.tmp" start mirror
  start=$(date +%s)
  log "building the $SUITE vm tree (${VM_PACKAGES[*]}); a few minutes"
  rm -f "$VM_MARKER"
  safe_rm "$tmp"
  safe_rm "$VM_DIR"
  cp -a "$BASE_TREE" "$tmp"
  if [ "$SUITE" = trixie ]; then
    # debootstrap wrote the release alone: its updates and security fixes too, as an
    # installer would (deb822, Debian 13's own format).
    rm -f "$tmp/etc/apt/sources.list"
    mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    printf '%s\n' 'Types: deb' "URIs: ${mirror:-http://deb.debian.org/debian}" 'Suites: trixie trixie-updates' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
      'Types: deb' 'URIs: http://deb.debian.org/debian-security' 'Suites: trixie-security' \
      'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
      >"$tmp/etc/apt/sources.list.d/debian.sources"
  fi

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
      if [ $SUITE = trixie ]; then systemctl enable dbus-broker.service; fi
    " >"$BUILD_LOG" 2>&1; then
    tail -n 40 "$BUILD_LOG" >&2
    safe_rm "$tmp"
    die "installing the vm packages failed (full log: $BUILD_LOG)"
  fi

  # nginx: the default site also passes *.php to php-fpm's socket.
  sed "s/@PHP@/$PHP/" >"$tmp/etc/nginx/sites-available/default" <<'EOF'
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
		fastcgi_pass unix:/run/php/php@PHP@-fpm.sock;
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
  mkdir -p "$tmp/etc/squid/conf.d"
  printf '# Set by scripts/vm-image.sh: stop within a second.\nshutdown_lifetime 1 seconds\n' \
    >"$tmp/etc/squid/conf.d/vm-image.conf"
  # ts-init's fronts under names of their own: /usr/bin/systemctl and the others stay systemd's.
  mkdir -p "$tmp/usr/local/lib/ts-init"
  for front in systemctl hostnamectl timedatectl localectl; do
    ln -sfn /sbin/ts-init "$tmp/usr/local/lib/ts-init/$front"
  done

  # What only the build needed; containers get hostname, hosts and resolv.conf from the engine.
  rm -f "$tmp/usr/sbin/policy-rc.d" "$tmp/etc/resolv.conf"
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/cache/apt/*.bin "$tmp"/var/lib/apt/lists/*
  rm -f "$tmp"/var/log/apt/* "$tmp"/var/log/dpkg.log 2>/dev/null || true
  : >"$tmp/etc/machine-id"
  mv "$tmp" "$VM_DIR"
  echo "$VM_ID" >"$VM_MARKER"
  log "$SUITE vm tree ready in $(( $(date +%s) - start )) s ($(du -sh "$VM_DIR" | cut -f1))"
}

if [ ! -f "$VM_MARKER" ] || [ "$(cat "$VM_MARKER")" != "$VM_ID" ] || [ ! -x "$VM_DIR/usr/sbin/nginx" ]; then
  build_vm_rootfs
fi

REF="localhost/ts-init-base-vm-$SUITE:$VM_ID"
if ! podman image exists "$REF"; then
  log "importing the $SUITE vm tree as $REF"
  podman images --noheading --format '{{.Repository}}:{{.Tag}}' "localhost/ts-init-base-vm-$SUITE" 2>/dev/null |
    while read -r old; do podman rmi -f "$old" >/dev/null 2>&1 || true; done
  tar --numeric-owner -C "$VM_DIR" -c . | podman import --quiet - "$REF" >/dev/null
fi

printf '%s\n' "$env_out"
printf "export TS_INIT_BASE_VM='%s'\n" "$REF"
