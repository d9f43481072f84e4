// How a child's end becomes ts-init's exit status (tini's rules).
import * as os from 'node:os';

export type ChildEnd = { code: number } | { signal: number };

/** Exit code as a shell reports it: the code, or 128+N when killed by signal N. */
export function exitCodeOf(end: ChildEnd): number {
  return 'code' in end ? end.code : 128 + end.signal;
}

/** -e CODE remaps that final status to 0. */
export function finalExitCode(end: ChildEnd, remapToZero: ReadonlySet<number>): number {
  const code = exitCodeOf(end);
  return remapToZero.has(code) ? 0 : code;
}

export function endFromNode(code: number | null, signal: NodeJS.Signals | null): ChildEnd {
  if (signal) return { signal: os.constants.signals[signal] };
  return { code: code ?? 0 };
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
