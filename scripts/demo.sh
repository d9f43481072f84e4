#!/usr/bin/env bash
# The demo: builds dist/ts-init, then runs it as PID 1 (fresh PID and mount
# namespaces, chroot) in a Debian root filesystem that has cron, rsyslog and
# openssh-server, with the example units from units/. The demo CMD shows the
# units' status through the systemctl front, logs a line through rsyslog, and
# exits, so the reverse-order shutdown shows too. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
node build.js
bash scripts/container-env.sh >/dev/null   # builds and caches the Debian root filesystem once
ROOTFS=$PWD/.cache/rootfs/debian
[ -d "$ROOTFS/usr/sbin" ] || { echo "demo: no root filesystem at $ROOTFS" >&2; exit 1; }

WORK=$(mktemp -d /tmp/ts-init-demo.XXXXXX)
trap 'umount -R "$WORK/root" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/upper" "$WORK/work" "$WORK/root"

DEMO_CMD='echo "demo: the CMD started; units are ready"
sleep 1
systemctl list-units
echo; systemctl status syslogd crond --no-pager | head -20
logger -t demo "hello through rsyslog"; sleep 0.5
echo; echo "demo: /var/log/syslog has:"; grep "hello through rsyslog" /var/log/syslog
sleep 11
echo; echo "demo: the CMD exits now; ts-init stops the units in reverse order"'

# A private mount namespace: an overlay keeps the cached tree pristine.
ROOTFS=$ROOTFS WORK=$WORK DEMO_CMD="$DEMO_CMD" unshare --mount --propagation private /bin/sh -ec '
  R=$1; shift
  mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$WORK/upper,workdir=$WORK/work" "$R"
  install -m 0755 dist/ts-init "$R/sbin/ts-init"
  ln -sf /sbin/ts-init "$R/usr/bin/systemctl"
  mkdir -p "$R/etc/ts-init/units"; cp units/*.service "$R/etc/ts-init/units/"
  mount -t tmpfs tmpfs "$R/run"; mount -t tmpfs tmpfs "$R/tmp"
  mount --rbind /dev "$R/dev"
  exec unshare --pid --fork --mount-proc="$R/proc" chroot "$R" /sbin/ts-init -v --units /etc/ts-init/units -- /bin/sh -c "$DEMO_CMD"
' demo "$WORK/root"
