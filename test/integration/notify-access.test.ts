// sd_notify from daemons that dropped their privileges: the per-unit socket is
// writable by everyone, and each message is checked against NotifyAccess= by the
// sender's pid (SCM_CREDENTIALS), as systemd does. systemd-notify is Debian's own.
import { describe, expect, it } from 'vitest';
import { runAsPid1 } from '../helpers/ts-init';
import { transitions, unitDir } from '../helpers/units';

const notifyUnit = (extra: string): string =>
  `[Service]\nType=notify\n${extra}\nTimeoutStartSec=5\nExecStart=/bin/sh -c "systemd-notify --ready; exec sleep 60"\n`;

describe('notify as non-root', () => {
  it('User=nobody with NotifyAccess=all: systemd-notify --ready from the unit script makes it active', async () => {
    const dir = unitDir({ 'nobody.service': notifyUnit('NotifyAccess=all\nUser=nobody') });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', 'stat -c "%A %U" /run/ts-init/notify/nobody.service.sock']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^srwxrwxrwx root$/m);
    expect(transitions(r.stderr, 'nobody.service').slice(0, 2)).toEqual([
      'inactive (dead) -> activating (start)',
      'activating (start) -> active (running)',
    ]);
    expect(r.stderr).not.toMatch(/notification message|cannot find unit/);
    expect(r.ms).toBeLessThan(4000);
  });

  it('NotifyAccess=main refuses a message from another process of the unit', async () => {
    // As nobody, systemd-notify cannot claim its parent's pid: the sender is not the main process.
    const dir = unitDir({ 'strict.service': notifyUnit('User=nobody').replace('TimeoutStartSec=5', 'TimeoutStartSec=1') });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.stderr).toMatch(/got notification message from PID \d+, but reception only permitted for main PID \d+ unit="strict\.service"/);
    expect(transitions(r.stderr, 'strict.service')).toContain('activating (start) -> deactivating (stop-sigterm)');
  });

  it('a process outside the unit cannot make it ready, even with NotifyAccess=all', async () => {
    const dir = unitDir({
      'target.service': '[Service]\nType=notify\nNotifyAccess=all\nTimeoutStartSec=1\nExecStart=/bin/sleep 60\n',
      'intruder.service':
        `[Service]\nType=oneshot\nUser=nobody\nExecStart=/usr/bin/python3 -c 'import socket,time; time.sleep(0.2); s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(b"READY=1", "/run/ts-init/notify/target.service.sock"); time.sleep(0.3)'\n`,
    });
    // Said at debug level only: anyone can send to the socket (see security-notify.test.ts).
    const r = await runAsPid1(['-vv', '--units', dir, '--', '/bin/true']);
    expect(r.stderr).toMatch(/\[DEBUG ts-init\] cannot find unit for notify message of PID \d+; ignoring unit="target\.service"/);
    expect(transitions(r.stderr, 'target.service')).not.toContain('activating (start) -> active (running)');
  });
});
