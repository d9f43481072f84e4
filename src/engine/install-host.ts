// `ts-init install-host`: lays out a host for rich containers from this executable.
//   PREFIX/libexec/ts-init/ts-init                     the binary containers run (bound read-only)
//   PREFIX/libexec/ts-init/ts-init-koffi-<tag>.node    its FFI module, bound beside it
//   PREFIX/libexec/ts-init/ts-init-runtime             the runtime wrapper (containerd, Docker): a
//                                                      few lines of sh, see runtimeWrapperScript()
//   PREFIX/libexec/ts-init/oci-precreate -> ts-init    the hook under its own name
//   PREFIX/share/containers/oci/hooks.d/ts-init.json   podman's hook, for io.ts-init.rich=true
// Files are replaced by rename, never rewritten in place: running containers keep the
// inode they were started with. --destdir stages the tree elsewhere (packaging).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractNativeModule, nativeModuleFileName } from '../sys/native-loader';
import { RICH_ANNOTATION } from './rich-request';

export const RUNTIME_NAME = 'ts-init-runtime';
export const HOOK_NAME = 'oci-precreate';

export interface InstallPlan {
  prefix: string;
  destdir: string;
}

/** podman's hook definition (containers-common's oci-hooks(5) format, version 1.0.0). Pure. */
export function hookDefinition(libexec: string): object {
  const binary = path.join(libexec, 'ts-init');
  return {
    version: '1.0.0',
    hook: { path: binary, args: [binary, HOOK_NAME], env: [`TS_INIT_HOST_BINARY=${binary}`] },
    when: { annotations: { [`^${RICH_ANNOTATION.replace(/\./g, '\\.')}$`]: '(?i)^(true|1|yes|on)$' } },
    stages: ['precreate'],
  };
}

/**
 * The wrapper engines call for every runtime verb. Starting the Node.js runtime costs
 * tens of milliseconds, so only `create` and `run` (which edit the bundle) go through
 * ts-init; every other call is an exec of the real runtime by the shell. When the
 * runtime is set in /etc/ts-init/engine.json (or TS_INIT_ENGINE_CONFIG names a file),
 * ts-init reads it for every verb. Pure.
 */
export function runtimeWrapperScript(): string {
  return `#!/bin/sh
# ts-init's OCI runtime wrapper (written by ts-init install-host). create and run go
# through ts-init, which edits BUNDLE/config.json for rich containers; every other
# runtime call is passed straight to the real runtime.
verb= skip=
for a in "$@"; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case $a in
    --root|--log|--log-format|--criu|--rootless|--cgroup-manager) skip=1 ;;
    -*) ;;
    *) verb=$a; break ;;
  esac
done
case $verb in
  create|run) exec "\${0%/*}/ts-init" oci-runtime "$@" ;;
esac
if [ -n "$TS_INIT_ENGINE_CONFIG" ] || { [ -z "$TS_INIT_RUNTIME" ] && [ -e /etc/ts-init/engine.json ]; }; then
  exec "\${0%/*}/ts-init" oci-runtime "$@"
fi
exec "\${TS_INIT_RUNTIME:-runc}" "$@"
`;
}

function replaceFile(dest: string, write: (tmp: string) => void): void {
  const tmp = `${dest}.ts-init-new-${process.pid}`;
  try {
    write(tmp);
    fs.renameSync(tmp, dest);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function replaceSymlink(dest: string, target: string): void {
  try {
    if (fs.readlinkSync(dest) === target) return;
  } catch {
    // absent or not a link
  }
  replaceFile(dest, (tmp) => fs.symlinkSync(target, tmp));
}

export function installHost(plan: InstallPlan, self: string): string[] {
  const libexec = path.join(plan.prefix, 'libexec', 'ts-init');
  const stagedLibexec = path.join(plan.destdir, libexec);
  const hooksDir = path.join(plan.destdir, plan.prefix, 'share', 'containers', 'oci', 'hooks.d');
  fs.mkdirSync(stagedLibexec, { recursive: true });
  fs.mkdirSync(hooksDir, { recursive: true });
  const binary = path.join(stagedLibexec, 'ts-init');
  replaceFile(binary, (tmp) => {
    fs.copyFileSync(self, tmp);
    fs.chmodSync(tmp, 0o755);
  });
  const module = extractNativeModule(stagedLibexec);
  // Modules of earlier versions: unused by the new binary (running containers hold theirs).
  const keep = nativeModuleFileName();
  for (const f of fs.readdirSync(stagedLibexec)) {
    if (/^ts-init-koffi-[0-9a-z]+\.node$/.test(f) && f !== keep) fs.rmSync(path.join(stagedLibexec, f), { force: true });
  }
  const wrapper = path.join(stagedLibexec, RUNTIME_NAME);
  replaceFile(wrapper, (tmp) => fs.writeFileSync(tmp, runtimeWrapperScript(), { mode: 0o755 }));
  fs.chmodSync(wrapper, 0o755);
  replaceSymlink(path.join(stagedLibexec, HOOK_NAME), 'ts-init');
  const hookFile = path.join(hooksDir, 'ts-init.json');
  replaceFile(hookFile, (tmp) => fs.writeFileSync(tmp, JSON.stringify(hookDefinition(libexec), null, 2) + '\n', { mode: 0o644 }));
  return [binary, module, path.join(stagedLibexec, RUNTIME_NAME), path.join(stagedLibexec, HOOK_NAME), hookFile];
}

export function installHostMain(argv: string[]): void {
  const plan: InstallPlan = { prefix: '/usr', destdir: '/' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--(prefix|destdir)(?:=(.*))?$/.exec(a);
    const value = m ? (m[2] ?? argv[++i]) : undefined;
    if (!m || !value) {
      fs.writeSync(2, `ts-init install-host: ${m ? `${a} needs a directory` : `unknown argument '${a}'`}\nUsage: ts-init install-host [--prefix /usr] [--destdir /]\n`);
      process.exit(2);
    }
    if (!path.isAbsolute(value)) {
      fs.writeSync(2, `ts-init install-host: --${m[1]} must be an absolute path, not '${value}'\n`);
      process.exit(2);
    }
    plan[m[1] as 'prefix' | 'destdir'] = value;
  }
  try {
    for (const f of installHost(plan, fs.realpathSync(process.execPath))) fs.writeSync(1, `installed ${f}\n`);
  } catch (err) {
    fs.writeSync(2, `ts-init install-host: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.exit(0);
}
