// Persists the container's environment so login shells (`podman exec -it C bash -l`,
// sshd sessions) see what the CMD sees: /etc/profile.d/ts-init-env.sh is read by
// login shells, /run/ts-init/env is a plain sourceable copy. Both are root's alone (0600):
// the container environment holds its secrets, and root's login shells are the ones that
// may see what PID 1 was given.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDirectory, replaceFile } from '../sys/safe-create';
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

/** Root only: other users' login shells skip a file they cannot read (/etc/profile tests -r). */
export const ENV_FILE_MODE = 0o600;

export interface EnvFileProblem {
  /** warn: something to fix; info: expected in some images (a read-only root). */
  level: 'warn' | 'info';
  message: string;
}

/**
 * Writes both files; returns the problems for the caller to log. The profile file is
 * written only where the image has /etc/profile.d (its login shells read it); the
 * run file's directory is ts-init's own and is created (or checked to be root's alone).
 * Each file is written to a new exclusive temporary file and renamed, in a directory
 * nobody else can write, so no planted name is ever followed.
 */
export function writeEnvironmentFiles(
  env: NodeJS.ProcessEnv,
  files: { profile: string; run: string } = { profile: PROFILE_FILE, run: RUN_ENV_FILE },
): EnvFileProblem[] {
  const problems: EnvFileProblem[] = [];
  const profile = renderEnvironment(env, true);
  if (profile.skipped.length) problems.push({ level: 'warn', message: `not persisted (not shell names): ${profile.skipped.join(', ')}` });
  const targets: Array<[string, string]> = [[files.run, renderEnvironment(env, false).text]];
  if (fs.existsSync(path.dirname(files.profile))) targets.push([files.profile, profile.text]);
  else problems.push({ level: 'info', message: `${path.dirname(files.profile)} does not exist: login shells will not get the environment` });
  for (const [file, text] of targets) {
    try {
      if (file === files.run) {
        const aside = ensurePrivateDirectory(path.dirname(file), 0o755);
        if (aside) problems.push({ level: 'warn', message: `${path.dirname(file)} was not root's alone: moved it to ${aside}` });
      }
      replaceFile(file, text, ENV_FILE_MODE);
    } catch (err) {
      const readOnly = (err as NodeJS.ErrnoException).code === 'EROFS';
      problems.push({ level: readOnly ? 'info' : 'warn', message: `cannot write ${file}: ${(err as Error).message}` });
    }
  }
  return problems;
}
