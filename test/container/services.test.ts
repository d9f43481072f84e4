// Debian's own services under ts-init in a real container: a bookworm minbase image with cron,
// rsyslog and openssh-server, whose unit files are Debian's, unmodified, enabled the way the
// packages enable them (links in multi-user.target.wants). ts-init is the ENTRYPOINT with no
// unit flags: it finds them in the image's systemd directories. One unit of our own, a small
// agent ordered after all three, makes the start and stop order observable.
//
// Proven inside the container: sshd accepts a key login on loopback, `logger` reaches
// /var/log/syslog through rsyslog, a job in /etc/cron.d runs, no zombie is left; then
// `podman stop` gives 143 and the log shows the agent stopped before the daemons it follows.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ResourceTracker,
  buildImage,
  ensureContainerEnv,
  exec,
  logs,
  requireTsInit,
  runDetached,
  stop,
  wait,
  waitUntil,
  zombies,
  type Runtime,
} from '../helpers/container';

const resources = new ResourceTracker();
const RUNTIME: Runtime = 'crun';
const DAEMONS = ['cron.service', 'rsyslog.service', 'ssh.service'];

const AGENT_UNIT = `[Unit]
Description=Sample agent that reports through syslog
After=cron.service rsyslog.service ssh.service
Wants=rsyslog.service

[Service]
ExecStart=/bin/sh -c 'logger -t agent "agent up"; exec sleep infinity'

[Install]
WantedBy=multi-user.target
`;

/** Runs every minute; cron reads /etc/cron.d files owned by root, mode 0644, names without dots. */
const CRON_JOB = '* * * * * root date +\\%s >> /tmp/cron-ran\n';

let image = '';

beforeAll(async () => {
  requireTsInit();
  await ensureContainerEnv();
  image = resources.image(
    await buildImage({
      base: 'debian',
      files: {
        '/etc/ts-init/units/agent.service': AGENT_UNIT,
        '/etc/cron.d/tsinittest': { content: CRON_JOB, mode: 0o644 },
      },
      run: [
        // A key for root's own login over loopback; the daemons' units stay as Debian ships them.
        'mkdir -m 700 -p /root/.ssh && ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/id_ed25519 && ' +
          'cp /root/.ssh/id_ed25519.pub /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys',
        // The packages enabled their units at install time; fail the build if that ever changes.
        'test -L /etc/systemd/system/multi-user.target.wants/cron.service && ' +
          'test -L /etc/systemd/system/multi-user.target.wants/rsyslog.service && ' +
          'test -L /etc/systemd/system/multi-user.target.wants/ssh.service',
      ],
      entrypoint: ['/sbin/ts-init', '-v', '--'],
      cmd: ['sleep', 'infinity'],
    }),
  );
});

afterAll(async () => {
  await resources.cleanup();
});

/** The line index in the log where `text` first appears; fails the test when it is missing. */
function lineOf(log: string, pattern: RegExp): number {
  const i = log.split('\n').findIndex((l) => pattern.test(l));
  expect(i, `${pattern} in\n${log}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('Debian cron, rsyslog and sshd with their own units, podman + crun, ts-init as ENTRYPOINT', () => {
  it('ssh key login, logger to /var/log/syslog, a cron job; podman stop stops them in reverse order', async () => {
    const name = resources.container(await runDetached(image, { runtime: RUNTIME }));
    const fail = async (err: Error): Promise<never> => {
      throw new Error(`${err.message}\ncontainer log:\n${await logs(name)}`);
    };

    // All four come up; the agent only after the three daemons it is ordered after are active.
    await waitUntil(
      async () => /started command/.test(await logs(name)),
      30_000,
      'the CMD to start after the units',
      200,
    ).catch(fail);
    const startLog = await logs(name);
    const activeLine = (unit: string): number => lineOf(startLog, new RegExp(`-> active \\(running\\) unit="${unit.replace('.', '\\.')}"`));
    const agentStarted = lineOf(startLog, /-> activating \(start\) unit="agent\.service"/);
    for (const d of DAEMONS) expect(activeLine(d), `${d} active before the agent starts`).toBeLessThan(agentStarted);
    expect(activeLine('agent.service')).toBeLessThan(lineOf(startLog, /started command/));

    // sshd: a key login over loopback, from inside the container.
    const ssh = await exec(name, [
      'ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ConnectTimeout=10', 'root@127.0.0.1', 'echo "logged in as $(id -un) on $(hostname)"',
    ], { runtime: RUNTIME, timeoutMs: 30_000 });
    const hostname = (await exec(name, ['hostname'], { runtime: RUNTIME, check: true })).stdout.trim();
    expect(ssh.code, ssh.stderr).toBe(0);
    expect(ssh.stdout).toBe(`logged in as root on ${hostname}\n`);

    // rsyslog: logger writes to /dev/log, rsyslogd files it in /var/log/syslog; the agent's line too.
    const tag = `ts-init-test-${process.pid}-${Date.now()}`;
    const logger = await exec(name, ['logger', '-t', 'ts-init-test', tag], { runtime: RUNTIME });
    expect(logger.code, logger.stderr).toBe(0);
    const syslog = await waitUntil(
      async () => {
        const r = await exec(name, ['cat', '/var/log/syslog'], { runtime: RUNTIME });
        return r.stdout.includes(tag) ? r.stdout : undefined;
      },
      15_000,
      'the logger line in /var/log/syslog',
      200,
    ).catch(fail);
    expect(syslog).toMatch(new RegExp(`ts-init-test(\\[\\d+\\])?: ${tag}`));
    expect(syslog).toMatch(/agent(\[\d+\])?: agent up/);

    // cron: the job runs at the next full minute.
    const cronRan = await waitUntil(
      async () => {
        const r = await exec(name, ['cat', '/tmp/cron-ran'], { runtime: RUNTIME });
        return r.code === 0 && /^\d+\n/.test(r.stdout) ? r.stdout : undefined;
      },
      75_000,
      'the cron job to run',
      1_000,
    ).catch(fail);
    expect(Number(cronRan.split('\n')[0])).toBeGreaterThan(0);

    // The ssh session, the logger and the cron job's shell are gone, and nothing is left as a zombie.
    expect(await zombies(name)).toEqual([]);

    // podman stop: the CMD first, then the agent, then the daemons it was ordered after.
    const stopped = await stop(name, 20, { runtime: RUNTIME });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(await wait(name, { runtime: RUNTIME })).toBe(143);
    const stopLog = await logs(name);
    // Units stopped together share one line: "stopping cron.service, rsyslog.service, ssh.service".
    const stopping = (unit: string): number => lineOf(stopLog, new RegExp(`\\] stopping (.+, )?${unit.replace('.', '\\.')}(,|$)`));
    const stoppedAt = (unit: string): number => lineOf(stopLog, new RegExp(`stopped ${unit.replace('.', '\\.')}`));
    const shutdown = lineOf(stopLog, /shutting down/);
    expect(shutdown).toBeLessThan(stopping('agent.service'));
    for (const d of DAEMONS) {
      expect(stoppedAt('agent.service'), `agent stopped before ${d} is asked to stop`).toBeLessThan(stopping(d));
      expect(stoppedAt(d)).toBeLessThan(lineOf(stopLog, /all units stopped/));
    }
    expect(stopLog).not.toMatch(/SIGKILL|timed out/);
  }, 180_000);
});
