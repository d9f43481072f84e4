// Persists the container's environment so login shells (`podman exec -it C bash -l`,
// sshd sessions) see what the CMD sees: /etc/profile.d/ts-init-env.sh is read by
// login shells, /run/ts-init/env is a plain sourceable copy.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isShellName, shellQuote } from './shell-quote';

/** Per-session or per-user variables that must not leak into other users' logins. */
const NOT_PERSISTED = new Set(['HOME', 'USER', 'LOGNAME', 'SHELL', 'PWD', 'OLDPWD', 'SHLVL', '_', 'TERM', 'MAIL']);

export const PROFILE_FILE = '/etc/profile.d/ts-init-env.sh';
export const RUN_ENV_FILE = '/run/ts-init/env';

export function renderEnvironment(env: NodeJS.ProcessEnv, exportKeyword: boolean): { text: string; skipped: string[] } {
  const skipped: string[] = [];
  const lines = ['# Written by ts-init at start-up: the container environment, for login shells.'];
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (value === undefined || NOT_PERSISTED.has(key)) continue;
    if (!isShellName(key)) {
      skipped.push(key);
      continue;
    }
    lines.push(`${exportKeyword ? 'export ' : ''}${key}=${shellQuote(value)}`);
  }
  return { text: lines.join('\n') + '\n', skipped };
}

function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** Writes both files; returns the problems (e.g. a read-only /etc) for the caller to log. */
export function writeEnvironmentFiles(
  env: NodeJS.ProcessEnv,
  files: { profile: string; run: string } = { profile: PROFILE_FILE, run: RUN_ENV_FILE },
): string[] {
  const problems: string[] = [];
  const profile = renderEnvironment(env, true);
  if (profile.skipped.length) problems.push(`not persisted (not shell names): ${profile.skipped.join(', ')}`);
  for (const [file, text] of [
    [files.profile, profile.text],
    [files.run, renderEnvironment(env, false).text],
  ] as const) {
    try {
      writeAtomically(file, text);
    } catch (err) {
      problems.push(`cannot write ${file}: ${(err as Error).message}`);
    }
  }
  return problems;
}
