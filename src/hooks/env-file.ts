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
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  fs.renameSync(tmp, file);
}

export interface EnvFileProblem {
  /** warn: something to fix; info: expected in some images (a read-only root). */
  level: 'warn' | 'info';
  message: string;
}

/**
 * Writes both files; returns the problems for the caller to log. The profile file is
 * written only where the image has /etc/profile.d (its login shells read it); the
 * run file's directory is ts-init's own and is created.
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
      if (file === files.run) fs.mkdirSync(path.dirname(file), { recursive: true });
      writeAtomically(file, text);
    } catch (err) {
      const readOnly = (err as NodeJS.ErrnoException).code === 'EROFS';
      problems.push({ level: readOnly ? 'info' : 'warn', message: `cannot write ${file}: ${(err as Error).message}` });
    }
  }
  return problems;
}
