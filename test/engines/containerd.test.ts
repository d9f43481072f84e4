// containerd 1.6 (Debian), private instance: `ctr run` through the ts-init runtime
// wrapper of the Debian package, and a Kubernetes-style pod through the CRI API
// (runtime.v1 over gRPC, as the kubelet speaks it) with a RuntimeClass-style handler
// `ts-init` and pod annotations: the app container gets ts-init as PID 1, the pause
// container does not. Images are cached in a containerd root that outlives the run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureContainerEnv, podman, runCommand, uniqueName, waitUntil } from '../helpers/container';
import { ENGINES_CACHE, fileId, stateDir, startContainerd, unpackDeb, type Daemon, type UnpackedDeb } from '../helpers/engines';

const NS = 'k8s.io';
const PAUSE = 'localhost/ts-init-test-pause:1';
let d: Daemon;
let deb: UnpackedDeb;
let dir = '';
let image = '';
let wrapper = '';
/** A CRI call: the request as an object, the response as loosely typed JSON (the proto is the schema). */
// biome-ignore lint/suspicious/noExplicitAny: responses are checked by the tests, not by types
type Reply = any;
type Rpc = (req: object) => Promise<Reply>;
let cri: Record<string, Rpc>;

function ctr(args: string[], timeoutMs = 120_000) {
  return runCommand('ctr', ['-a', d.address, '-n', NS, ...args], { timeoutMs });
}

function config(state: string): string {
  return `version = 2
root = "${path.join(ENGINES_CACHE, 'containerd-root')}"
state = "${state}/state"
[grpc]
  address = "${state}/containerd.sock"
[ttrpc]
  address = "${state}/containerd.sock.ttrpc"
[debug]
  address = "${state}/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "${state}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE}"
  # Root here lacks CAP_SYS_RESOURCE: the pause container's oom_score_adj of -998 would fail.
  restrict_oom_score_adj = true
# Naming one runtime replaces the built-in table: the default runc must be named too.
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ts-init]
  runtime_type = "io.containerd.runc.v2"
  pod_annotations = ["io.ts-init.*"]
  container_annotations = ["io.ts-init.*"]
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ts-init.options]
    BinaryName = "${wrapper}"
`;
}

/** Imports an image from the private podman storage unless containerd has it already. */
async function importImage(ref: string, from: string, tmp: string): Promise<void> {
  if ((await ctr(['image', 'ls', '-q'])).stdout.split('\n').includes(ref)) return;
  const archive = path.join(tmp, 'image.tar');
  await podman(['save', '--format', 'oci-archive', '-o', archive, from], { check: true, timeoutMs: 300_000 });
  const r = await ctr(['image', 'import', '--base-name', ref.replace(/:[^:/]+$/, ''), '--digests', archive], 300_000);
  fs.rmSync(archive, { force: true });
  if (r.code !== 0) throw new Error(`ctr image import failed: ${r.stderr}`);
  // --base-name names it after the archive's own tag; give it the name asked for.
  if (!(await ctr(['image', 'ls', '-q'])).stdout.split('\n').includes(ref)) {
    const tagged = (await ctr(['image', 'ls', '-q'])).stdout.split('\n').find((l) => l.startsWith(ref.replace(/:[^:/]+$/, '')));
    if (!tagged) throw new Error(`imported ${from} but cannot find it in containerd`);
    await ctr(['image', 'tag', tagged, ref]);
  }
}

function criClient(socket: string): Record<string, Rpc> {
  const def = protoLoader.loadSync(path.join(REPO_ROOT, 'test/fixtures/cri/runtime-v1-subset.proto'), { keepCase: false, longs: Number, enums: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as Reply;
  const client = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  const out: Record<string, Rpc> = {};
  for (const m of ['version', 'runPodSandbox', 'stopPodSandbox', 'removePodSandbox', 'podSandboxStatus', 'createContainer', 'startContainer', 'stopContainer', 'removeContainer', 'containerStatus']) {
    out[m] = (req) => new Promise((resolve, reject) => client[m](req, { deadline: Date.now() + 60_000 }, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))));
  }
  out.close = async () => client.close();
  return out;
}

function cmdline(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

beforeAll(async () => {
  const env = await ensureContainerEnv();
  dir = stateDir('containerd');
  deb = await unpackDeb(dir);
  wrapper = path.join(deb.libexec, 'ts-init-runtime');
  d = await startContainerd(dir, config);
  const marker = fs.readFileSync(path.join(REPO_ROOT, '.cache/rootfs/debian.ready'), 'utf8').trim();
  image = `localhost/ts-init-engines-debian:${marker}`;
  await importImage(image, env.baseImages.debian, dir);
  // The pod's pause container: the static catatonit as /pause, as the CRI plugin expects.
  if (!(await ctr(['image', 'ls', '-q'])).stdout.split('\n').includes(PAUSE)) {
    const tree = path.join(dir, 'pause');
    fs.mkdirSync(tree);
    fs.copyFileSync('/usr/bin/catatonit', path.join(tree, 'pause'));
    fs.chmodSync(path.join(tree, 'pause'), 0o755);
    const tar = await runCommand('bash', ['-c', `tar -C ${tree} -c . | podman import --change 'ENTRYPOINT ["/pause","-P"]' - ${PAUSE}`], { env: env.env });
    if (tar.code !== 0) throw new Error(`pause image: ${tar.stderr}`);
    await importImage(PAUSE, PAUSE, dir);
    await podman(['rmi', '-f', PAUSE]);
  }
  cri = criClient(d.address);
  // The CRI service registers a moment after containerd itself answers.
  await waitUntil(() => cri.version({ version: 'v1' }).then(() => true, () => false), 20_000, 'the CRI service', 200);
}, 600_000);

afterAll(async () => {
  await cri?.close({});
  if (d) {
    await d.stop();
    fs.writeFileSync(path.join(ENGINES_CACHE, 'containerd-last.log'), d.log()); // for a failed run
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('ctr run through the wrapper', () => {
  it('edits only the containers that ask', async () => {
    // ctr can lose the output of a process that exits at once: give it a moment either side.
    const probe = ['sh', '-c', 'sleep 0.1; tr "\\0" " " < /proc/1/cmdline; sleep 0.3'];
    const rich = await ctr(['run', '--rm', '--runc-binary', wrapper, '--annotation', 'io.ts-init.rich=true', '--annotation', 'io.ts-init.no-units=true', image, uniqueName('ctr'), ...probe]);
    expect({ code: rich.code, out: rich.stdout.trim(), err: rich.stderr }).toMatchObject({ code: 0, out: `/sbin/ts-init --rich --no-units -- ${probe.join(' ')}` });
    const plain = await ctr(['run', '--rm', '--runc-binary', wrapper, image, uniqueName('ctr'), ...probe]);
    expect(plain.stdout.trim()).toBe(probe.join(' '));
  });

  it('a bad annotation fails the create with a message naming it', async () => {
    const r = await ctr(['run', '--rm', '--runc-binary', wrapper, '--annotation', 'io.ts-init.rich=true', '--annotation', 'io.ts-init.hook-timeout=long', image, uniqueName('ctr'), 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('annotation io.ts-init.hook-timeout: --hook-timeout takes a number of seconds');
  });
});

describe('a pod through the CRI API with the ts-init handler', () => {
  const ns = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' };

  /**
   * A pod whose app container runs `sleep 1000` under ts-init on a read-only root, with
   * `mounts` (an emptyDir is a host folder bound in); `check` runs while the CMD runs,
   * then the container is stopped and its exit status returned.
   */
  async function pod(name: string, mounts: object[], check: (pid: number, log: () => string) => Promise<void>): Promise<number> {
    const sandboxConfig = {
      metadata: { name: uniqueName(name), uid: uniqueName('uid'), namespace: 'default', attempt: 0 },
      logDirectory: path.join(dir, 'pods', name),
      annotations: { 'io.ts-init.rich': 'true', 'io.ts-init.grace': '3' },
      linux: { securityContext: { namespaceOptions: ns } },
    };
    fs.mkdirSync(sandboxConfig.logDirectory, { recursive: true });
    const { podSandboxId } = await cri.runPodSandbox({ config: sandboxConfig, runtimeHandler: 'ts-init' });
    try {
      const podInfo = JSON.parse((await cri.podSandboxStatus({ podSandboxId, verbose: true })).info.info);
      // The runtime's start returns before its init has exec'd the process: wait for it.
      const execed = (pid: number, first: string) => waitUntil(() => cmdline(pid)[0] === first && cmdline(pid), 5_000, `${first} to run`);
      expect(await execed(podInfo.pid, '/pause')).toEqual(['/pause', '-P']);
      const { containerId } = await cri.createContainer({
        podSandboxId,
        sandboxConfig,
        config: {
          metadata: { name: 'app', attempt: 0 },
          image: { image },
          command: ['sleep', '1000'],
          logPath: 'app.log',
          mounts,
          linux: { securityContext: { namespaceOptions: ns, readonlyRootfs: true } },
        },
      });
      await cri.startContainer({ containerId });
      const info = JSON.parse((await cri.containerStatus({ containerId, verbose: true })).info.info);
      expect(await execed(info.pid, '/sbin/ts-init')).toEqual(['/sbin/ts-init', '--rich', '--grace=3', '--', 'sleep', '1000']);
      expect(fileId(`/proc/${info.pid}/exe`)).toBe(fileId(deb.binary));
      await check(info.pid, () => safeRead(path.join(sandboxConfig.logDirectory, 'app.log')));
      await cri.stopContainer({ containerId, timeout: 10 });
      const status = (await cri.containerStatus({ containerId })).status;
      expect(status.state).toBe('CONTAINER_EXITED');
      await cri.removeContainer({ containerId });
      return status.exitCode;
    } finally {
      await cri.stopPodSandbox({ podSandboxId });
      await cri.removePodSandbox({ podSandboxId });
    }
  }

  /** The comm names of the processes whose parent is pid. */
  function children(pid: number): string[] {
    return fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p) && safeRead(`/proc/${p}/stat`).split(' ')[3] === String(pid))
      .map((p) => safeRead(`/proc/${p}/comm`).trim());
  }

  it('read-only root with an emptyDir on /run: the image units come up beside the CMD; the pause container is left alone', async () => {
    const run = path.join(dir, 'run-emptydir');
    fs.mkdirSync(run, { recursive: true });
    const code = await pod('pod', [{ containerPath: '/run', hostPath: run }], async (pid) => {
      const up = await waitUntil(() => ['sleep', 'cron', 'rsyslogd', 'sshd'].every((n) => children(pid).includes(n)) && children(pid), 20_000, 'the CMD and the units under ts-init');
      expect(up).toEqual(expect.arrayContaining(['sleep', 'cron', 'rsyslogd', 'sshd']));
    });
    expect(code).toBe(143);
  });

  it('read-only root with nothing writable: the units that need /run fail at once with a clear error, the CMD still runs', async () => {
    const started = Date.now();
    const code = await pod('bare', [], async (pid, log) => {
      await waitUntil(() => children(pid).includes('sleep'), 20_000, 'the CMD under ts-init');
      // Well before any unit's start timeout (90 s): nothing waited for a READY=1 that could not come.
      expect(Date.now() - started).toBeLessThan(15_000);
      await waitUntil(() => /rsyslog.service failed \(Result: (resources|start-limit-hit)\)/.test(log()), 15_000, 'the failure in the log').catch((err) => {
        throw new Error(`${(err as Error).message}; the container's log:\n${log()}`);
      });
      expect(log()).toContain('cannot create the notify socket');
      expect(log()).toContain('(/run is not writable: give the container a tmpfs on /run)');
    });
    expect(code).toBe(143);
  });
});

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
