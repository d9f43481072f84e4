// How the CMD's end becomes ts-init's exit status (tini's rules), and the
// statuses a shell uses when a command cannot be run.
import { exitCodeOf, type ProcessExit } from './process-exit';

/** -e CODE remaps that final status to 0. */
export function finalExitCode(end: ProcessExit, remapToZero: ReadonlySet<number>): number {
  const code = exitCodeOf(end);
  return remapToZero.has(code) ? 0 : code;
}

/** Status codes a shell uses when the command cannot be run. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_NOT_EXECUTABLE = 126;

export function spawnErrorExitCode(errno: string | undefined): number {
  return errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'ELOOP' || errno === 'ENAMETOOLONG'
    ? EXIT_NOT_FOUND
    : EXIT_NOT_EXECUTABLE;
}

export function spawnErrorText(command: string, errno: string | undefined): string {
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a path component is not a directory',
    EACCES: 'permission denied (not executable, or a directory)',
    ENOEXEC: 'exec format error',
    EISDIR: 'is a directory',
  };
  return `cannot run '${command}': ${why[errno ?? ''] ?? errno ?? 'unknown error'}`;
}
