// The vm image (Debian 12) with Debian's own ansible-core installed, as an operator would on the
// machine Ansible manages with `-c local`. Containers have no network: the packages apt would
// install (ansible-core and what the vm image lacks of its dependencies, resolved by apt against
// the image's own dpkg status) are fetched on the host from its mirror (the same Debian 12) and
// installed with dpkg in a layer above the cached vm base. The result is cached as
// localhost/ts-init-base-vm-ansible:ID, ID naming the base and the exact package versions: a
// first build fetches some 17 packages (~10 MB) and unpacks them (well under a minute on this
// machine), later runs reuse the image.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, ensureContainerEnv, podman, runCommand } from './container';
import { ensureVmBase } from './vm-image';

const VM_TREE = path.join(REPO_ROOT, '.cache', 'rootfs', 'vm-bookworm');
const DEB_DIR = path.join(REPO_ROOT, '.cache', 'debs');
const REPO = 'localhost/ts-init-base-vm-ansible';

let basePromise: Promise<string> | undefined;

/** `pkg=version` lines apt would install into the vm tree for ansible-core (no recommends). */
async function packagesToInstall(): Promise<string[]> {
  const sim = await runCommand(
    'apt-get',
    ['-o', `Dir::State::status=${path.join(VM_TREE, 'var/lib/dpkg/status')}`, 'install', '-s', '--no-install-recommends', 'ansible-core'],
    { timeoutMs: 120_000 },
  );
  const pkgs = [...sim.stdout.matchAll(/^Inst (\S+) (?:\[\S+\] )?\((\S+) /gm)].map((m) => `${m[1]}=${m[2]}`);
  if (sim.code !== 0 || !pkgs.some((p) => p.startsWith('ansible-core='))) {
    throw new Error(`apt-get install -s ansible-core against the vm tree exited ${sim.code}:\n${sim.stderr}${sim.stdout.slice(-2000)}`);
  }
  return pkgs;
}

/** The cached vm base plus ansible-core (no ts-init: buildVmImage puts it on top). */
export function ensureAnsibleBase(): Promise<string> {
  basePromise ??= (async () => {
    const from = await ensureVmBase('bookworm');
    await ensureContainerEnv();
    const pkgs = await packagesToInstall();
    const id = createHash('sha256').update(`${from}\n${pkgs.join('\n')}`).digest('hex').slice(0, 16);
    const ref = `${REPO}:${id}`;
    if ((await podman(['image', 'exists', ref])).code === 0) return ref;
    const t0 = Date.now();
    const debs = path.join(DEB_DIR, `ansible-${id}`);
    fs.mkdirSync(debs, { recursive: true });
    const got = await runCommand('apt-get', ['download', ...pkgs], { cwd: debs, timeoutMs: 300_000 });
    if (got.code !== 0) throw new Error(`apt-get download ${pkgs.join(' ')} exited ${got.code}:\n${got.stderr}`);
    const downloadedMs = Date.now() - t0;
    fs.writeFileSync(path.join(debs, 'Containerfile'), [`FROM ${from}`, 'RUN DEBIAN_FRONTEND=noninteractive dpkg -i /debs/*.deb', ''].join('\n'));
    await podman(['build', '--pull=never', '--quiet', '-v', `${debs}:/debs:ro`, '-t', ref, '-f', path.join(debs, 'Containerfile'), debs], {
      check: true,
      timeoutMs: 10 * 60_000,
    });
    fs.rmSync(debs, { recursive: true, force: true });
    process.stdout.write(`built ${ref}: ${pkgs.length} packages fetched in ${downloadedMs} ms, image in ${Date.now() - t0} ms\n`);
    return ref;
  })();
  basePromise.catch(() => (basePromise = undefined));
  return basePromise;
}
