// What the exec helper applies in a child before execve: the process attributes
// child_process cannot set (own process group in the terminal's foreground,
// supplementary groups, umask, nice, rlimits).
export interface ExecSpec {
  file: string;
  argv: string[];
  env: Record<string, string>;
  /** setpgid(0,0) and, when stdin is a terminal, make that group its foreground. */
  foregroundProcessGroup?: boolean;
  /** setsid(): a new session and process group. */
  newSession?: boolean;
  /** After setsid(): take stdin's terminal as the controlling terminal (TIOCSCTTY), if it is one. */
  controllingTerminal?: boolean;
  /** A failed exec reported as "PREFIXfile: strerror" with this exit code (dumb-init's way). */
  execFailure?: { prefix: string; exitCode: number };
  uid?: number;
  gid?: number;
  groups?: number[];
  umask?: number;
  nice?: number;
  /** setrlimit(2) resource number -> limits; clamped to the hard limit the helper may raise to. */
  rlimits?: { resource: number; soft: number; hard: number }[];
  cwd?: string;
  /** Socket activation: fds 3.. are the unit's sockets; LISTEN_PID becomes the program's pid. */
  listenFds?: number;
}

export const EXEC_HELPER_ARG = '__ts_init_exec';

/** The first argument the executable sees when it is asked to be the helper. */
export function helperArgv(spec: ExecSpec): string[] {
  const json = JSON.stringify(spec, (_k, v: unknown) => (v === Infinity ? 'infinity' : v));
  return [EXEC_HELPER_ARG, Buffer.from(json).toString('base64')];
}

export function decodeSpec(encoded: string): ExecSpec {
  return JSON.parse(Buffer.from(encoded, 'base64').toString(), (_k, v: unknown) =>
    v === 'infinity' ? Infinity : v,
  ) as ExecSpec;
}
