// Ansible against the container as against a VM: Debian 12's own ansible-core (2.14) installed in
// the "vm" image (test/helpers/ansible-image.ts), run inside it with `-c local`, once under
// ts-init (the image's ENTRYPOINT, no flags) and once under the image's own systemd 252 (the
// oracle), with the same commands: `setup` reports `ansible_service_mgr: systemd` (Ansible names
// the manager after /proc/1/comm unless that is `init`, then looks for /run/systemd/system:
// docs/systemd-identity.md); the `systemd` module stops and starts cron, disables and enables,
// masks and unmasks it, and runs daemon-reload, each reported as a change and seen by systemctl;
// the `service` module (which picks the `systemd` module from that fact) and the generic one
// (`use=service`, which finds systemd by the directory) restart ssh under supervision: a new
// main pid, active, one sshd. With --systemd-identity=no, PID 1 keeps its name and Ansible says so.
//
// Cost: the ansible image is built once and cached (about 17 packages from the host's mirror,
// well under a minute); a run then takes some 2-3 minutes (each ansible call is 2-5 s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceTracker, exec, logs, requireTsInit, runDetached, waitUntil } from '../helpers/container';
import { ensureAnsibleBase } from '../helpers/ansible-image';
import { VM_RUNTIME, bootArgs, buildVmImage, removeVm, type VmInit } from '../helpers/vm-image';

const resources = new ResourceTracker();
/** Per test: each ansible call takes 2-5 s, more on a busy machine. */
const T = 4 * 60_000;
let image = '';

beforeAll(async () => {
  requireTsInit();
  image = resources.image(await buildVmImage('bookworm', await ensureAnsibleBase()));
}, 15 * 60_000);

afterAll(async () => {
  await resources.cleanup();
});

interface AnsibleResult {
  /** SUCCESS, CHANGED, FAILED!, ... */
  status: string;
  result: Record<string, unknown>;
  text: string;
}

async function sh(container: string, script: string, timeoutMs = 60_000) {
  return exec(container, ['sh', '-c', script], { runtime: VM_RUNTIME, timeoutMs });
}

/** One ad-hoc ansible call against the container itself; its `localhost | STATUS => {json}` parsed. */
async function ansible(container: string, module: string, args: string): Promise<AnsibleResult> {
  const r = await exec(container, ['ansible', 'localhost', '-c', 'local', '-m', module, '-a', args], {
    runtime: VM_RUNTIME,
    timeoutMs: 120_000,
    args: ['-e', 'ANSIBLE_NOCOLOR=1', '-e', 'ANSIBLE_LOCALHOST_WARNING=0', '-e', 'ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3'],
  });
  const text = `${r.stdout}${r.stderr}`;
  const m = /^localhost \| (\S+) => (\{[\s\S]*\})\s*$/m.exec(r.stdout);
  if (!m) throw new Error(`ansible -m ${module} -a '${args}' exited ${r.code}:\n${text}`);
  return { status: m[1]!, result: JSON.parse(m[2]!) as Record<string, unknown>, text };
}

/** systemctl's own answers in the container (the image's systemctl, whichever init answers it). */
async function unitState(container: string, unit: string): Promise<{ active: string; enabled: string; pid: number }> {
  const r = await sh(container, `systemctl is-active ${unit}; systemctl is-enabled ${unit}; systemctl show -p MainPID --value ${unit}`);
  const [active = '', enabled = '', pid = ''] = r.stdout.trim().split('\n');
  return { active, enabled, pid: Number(pid) };
}

const INITS: VmInit[] = ['ts-init', 'systemd'];

describe.each(INITS)('Ansible (ansible-core 2.14, -c local) under %s', (init) => {
  let c = '';
  beforeAll(async () => {
    const { entrypoint, args } = bootArgs(init);
    c = resources.container(await runDetached(image, { runtime: VM_RUNTIME, entrypoint, args }));
    await waitUntil(async () => (await sh(c, 'systemctl is-active cron ssh')).stdout === 'active\nactive\n', 90_000, 'cron and ssh active', 300).catch(
      async (err: Error) => {
        throw new Error(`${err.message}\nlogs:\n${(await logs(c)).slice(-3000)}`);
      },
    );
  }, 3 * 60_000);
  afterAll(async () => {
    await removeVm(c);
  });

  it('setup: ansible_service_mgr is systemd', async () => {
    const r = await ansible(c, 'setup', 'filter=ansible_service_mgr');
    expect(r.result.ansible_facts, r.text).toEqual({ ansible_service_mgr: 'systemd' });
  }, T);

  it('the systemd module stops and starts cron: changed each time, and systemctl sees it', async () => {
    const before = await unitState(c, 'cron');
    const stopped = await ansible(c, 'systemd', 'name=cron state=stopped');
    expect(stopped.status, stopped.text).toBe('CHANGED');
    expect((await unitState(c, 'cron')).active).toBe('inactive');
    expect((await sh(c, 'pgrep -x cron | wc -l')).stdout.trim()).toBe('0');
    const again = await ansible(c, 'systemd', 'name=cron state=stopped');
    expect(again.status, again.text).toBe('SUCCESS');
    const started = await ansible(c, 'systemd', 'name=cron state=started');
    expect(started.status, started.text).toBe('CHANGED');
    const after = await unitState(c, 'cron');
    expect(after.active).toBe('active');
    expect(after.pid).toBeGreaterThan(0);
    expect(after.pid).not.toBe(before.pid);
  }, T);

  it('the systemd module disables and enables cron', async () => {
    const off = await ansible(c, 'systemd', 'name=cron enabled=no');
    expect(off.status, off.text).toBe('CHANGED');
    expect((await unitState(c, 'cron')).enabled).toBe('disabled');
    const on = await ansible(c, 'systemd', 'name=cron enabled=yes');
    expect(on.status, on.text).toBe('CHANGED');
    expect((await unitState(c, 'cron')).enabled).toBe('enabled');
    expect((await ansible(c, 'systemd', 'name=cron enabled=yes')).status).toBe('SUCCESS');
  }, T);

  it('the systemd module masks and unmasks cron; a masked unit will not start', async () => {
    const masked = await ansible(c, 'systemd', 'name=cron masked=yes');
    expect(masked.status, masked.text).toBe('CHANGED');
    expect((await unitState(c, 'cron')).enabled).toBe('masked');
    expect((await sh(c, 'readlink /etc/systemd/system/cron.service')).stdout.trim()).toBe('/dev/null');
    const refused = await ansible(c, 'systemd', 'name=cron state=restarted');
    expect(refused.status, refused.text).toBe('FAILED!');
    const unmasked = await ansible(c, 'systemd', 'name=cron masked=no');
    expect(unmasked.status, unmasked.text).toBe('CHANGED');
    expect((await unitState(c, 'cron')).enabled).toBe('enabled');
    const started = await ansible(c, 'systemd', 'name=cron state=started');
    expect(started.status, started.text).toMatch(/^(CHANGED|SUCCESS)$/);
    expect((await unitState(c, 'cron')).active).toBe('active');
  }, T);

  it('daemon_reload=yes: a unit file written by hand, and then a drop-in, are read; the module starts the unit', async () => {
    await sh(c, "printf '[Service]\\nExecStart=/bin/sleep 1000\\n' >/etc/systemd/system/ansible-probe.service");
    // The module reports no change for a reload alone (under systemd too); it fails if systemctl does.
    const reloaded = await ansible(c, 'systemd', 'daemon_reload=yes');
    expect(reloaded.status, reloaded.text).toBe('SUCCESS');
    const started = await ansible(c, 'systemd', 'name=ansible-probe state=started');
    expect(started.status, started.text).toBe('CHANGED');
    expect((await unitState(c, 'ansible-probe')).active).toBe('active');
    await sh(c, "mkdir -p /etc/systemd/system/ansible-probe.service.d && printf '[Unit]\\nDescription=Probe after reload\\n' >/etc/systemd/system/ansible-probe.service.d/d.conf");
    expect((await ansible(c, 'systemd', 'name=ansible-probe daemon_reload=yes')).status).toBe('SUCCESS');
    expect((await sh(c, 'systemctl show -p Description --value ansible-probe')).stdout.trim()).toBe('Probe after reload');
  }, T);

  it.each([
    ['service', 'name=ssh state=restarted'],
    ['service', 'name=ssh state=restarted use=service'],
  ])('the %s module (%s) restarts ssh under supervision: a new main pid, active, one sshd', async (module, args) => {
    const before = await unitState(c, 'ssh');
    const r = await ansible(c, module, args);
    expect(r.status, r.text).toBe('CHANGED');
    const after = await unitState(c, 'ssh');
    expect(after.active).toBe('active');
    expect(after.pid).toBeGreaterThan(0);
    expect(after.pid).not.toBe(before.pid);
    expect((await sh(c, 'pgrep -x sshd')).stdout.trim()).toBe(String(after.pid));
  }, T);
});

describe('with --systemd-identity=no', () => {
  it('PID 1 keeps its name, and Ansible names the manager after it', async () => {
    const c = resources.container(await runDetached(image, { runtime: VM_RUNTIME, env: { TS_INIT_SYSTEMD_IDENTITY: 'no' } }));
    try {
      await waitUntil(async () => (await sh(c, '/usr/local/lib/ts-init/systemctl is-active cron')).stdout === 'active\n', 90_000, 'cron active', 300);
      expect((await sh(c, 'cat /proc/1/comm; test -e /run/systemd/system || echo absent')).stdout).toBe('ts-init\nabsent\n');
      const r = await ansible(c, 'setup', 'filter=ansible_service_mgr');
      expect(r.result.ansible_facts, r.text).toEqual({ ansible_service_mgr: 'ts-init' });
    } finally {
      await removeVm(c);
    }
  }, 3 * 60_000);
});
