import { ownVersionLine } from '../version';

export function usageText(program: string): string {
  return `${ownVersionLine()}
Usage: ${program} [OPTIONS] [--] PROGRAM [ARGS...] | --version

Runs PROGRAM as the container's main process under a real init: reaps every
zombie, forwards signals, starts and supervises service units, and exits with
PROGRAM's exit status.

tini-compatible options:
  --version        Show the version (last line in tini's format) and exit.
  -h, --help       Show this help and exit.
  -s               Register as a process subreaper (automatic when not PID 1).
  -p SIGNAL        Have the kernel send SIGNAL to ts-init when its parent dies.
  -v               More verbose logging on stderr; repeat up to 3 times.
  -w               Warn each time an orphaned zombie is reaped.
  -g               Send forwarded signals to PROGRAM's whole process group.
  -e EXIT_CODE     Remap EXIT_CODE (0-255) to 0; may be repeated.
  -l               Show the license and exit.

ts-init options (each also read from the environment variable shown):
  --grace SECONDS        On exit, time between SIGTERM and SIGKILL for whatever
                         is still running (TS_INIT_GRACE, default 10).
  --log-format text|json Format of ts-init's log and of service output lines
                         (TS_INIT_LOG_FORMAT, default text).
  --log-console all|units|cmd
                         What the container log shows besides PROGRAM's output:
                         units' output lines and the journal's messages (all,
                         the default), units' output only (units), or nothing
                         more (cmd) (TS_INIT_LOG_CONSOLE).
  --log-console-max-level LEVEL
                         The least important level shown there, as journald's
                         MaxLevelConsole= (emerg..debug or 0-7; default info)
                         (TS_INIT_LOG_CONSOLE_MAX_LEVEL).
  --units DIR            A directory of unit files; may be repeated
                         (TS_INIT_UNITS, colon-separated; default /etc/ts-init/units
                         plus the units enabled in the image's systemd directories).
  --rich                 The rich init even when started as the engine's --init or
                         as tini: the image's units, the control socket and the
                         environment files (TS_INIT_RICH=1; TS_INIT_RICH=0 turns
                         it off even as ENTRYPOINT).
  --no-units             Start no service units (TS_INIT_NO_UNITS).
  --no-wait              Start PROGRAM without waiting for units to be ready
                         (TS_INIT_NO_WAIT).
  --initscript PATH      Prestart hook run before units and PROGRAM
                         (TS_INIT_INITSCRIPT).
  --initcmd COMMAND      Prestart hook as a shell command (TS_INIT_INITCMD).
  --poststop PATH        Hook run after everything has stopped (TS_INIT_POSTSTOP).
  --poststopcmd COMMAND  The same as a shell command (TS_INIT_POSTSTOPCMD).
  --hook-timeout SECONDS Bound on each hook's run time (TS_INIT_HOOK_TIMEOUT, default 90).
  --control-socket PATH  Control socket (TS_INIT_CONTROL_SOCKET, default /run/ts-init.sock).
  --unit-environment root|all|none
                         Which units start with the whole container environment:
                         root's (default), every unit's, or none (systemd's: PATH,
                         locale, TZ and PassEnvironment=) (TS_INIT_UNIT_ENVIRONMENT).
  --systemd-identity yes|no
                         As a container's PID 1, create /run/systemd/system so that
                         the image's software takes ts-init for systemd
                         (TS_INIT_SYSTEMD_IDENTITY, default yes).

tini's environment variables are honoured too: TINI_SUBREAPER,
TINI_VERBOSITY, TINI_KILL_PROCESS_GROUP.

Control: ${program} ctl status|start|stop|restart|reload|logs|list-units|... (see ctl --help)
`;
}

export const LICENSE_TEXT = `ts-init is distributed under the MIT License.

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files, to deal in the Software
without restriction, including without limitation the rights to use, copy,
modify, merge, publish, distribute, sublicense, and/or sell copies of the
Software, subject to the condition that the above copyright notice and this
permission notice shall be included in all copies or substantial portions of
the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
`;
