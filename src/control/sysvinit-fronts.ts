// The sysvinit names systemd-sysv links to systemctl: shutdown, halt, poweroff, reboot,
// runlevel and telinit. In a container they all mean one thing for the machine: stop
// everything and end PID 1 (asked over the control socket). `runlevel` answers as
// systemd does once the default target is reached ("N 5" for graphical.target, "N 3"
// for multi-user.target), which is what invoke-rc.d reads to decide what to restart.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { call, ConnectError, controlSocketPath, socketForCaller } from './client';

export type FrontAction =
  | { kind: 'shutdown'; what: 'poweroff' | 'halt' | 'reboot' }
  | { kind: 'nothing' }
  | { kind: 'runlevel' }
  | { kind: 'reload' }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string };

const TARGET_RUNLEVELS: Record<string, number> = {
  'poweroff.target': 0, 'rescue.target': 1, 'multi-user.target': 3, 'graphical.target': 5, 'reboot.target': 6,
};

const HELP: Record<string, string> = {
  shutdown: 'shutdown [OPTIONS...] [TIME] [WALL...]\n\nShut down the system.\n\n  -H --halt      Halt the machine\n  -P --poweroff  Power-off the machine\n  -r --reboot    Reboot the machine\n  -h             Equivalent to --poweroff, overridden by --halt\n  -k             Don\'t halt/power-off/reboot, just send warnings\n     --no-wall   Don\'t send wall message before halt/power-off/reboot\n  -c             Cancel a pending shutdown\n',
  halt: 'halt [OPTIONS...]\n\nHalt the system.\n\n     --halt      Halt the machine\n  -p --poweroff  Switch off the machine\n     --reboot    Reboot the machine\n  -f --force     Force immediate halt/power-off/reboot\n  -w --wtmp-only Don\'t halt/power-off/reboot, just write wtmp record\n  -d --no-wtmp   Don\'t write wtmp record\n     --no-wall   Don\'t send wall message before halt/power-off/reboot\n',
  runlevel: 'runlevel [OPTIONS...]\n\nPrints the previous and current runlevel of the init system.\n',
  telinit: 'telinit [OPTIONS...] COMMAND\n\nSend control commands to the init daemon.\n\nCommands:\n  0              Power-off the machine\n  6              Reboot the machine\n  2, 3, 4, 5     Start runlevelX.target unit\n  1, s, S        Enter rescue mode\n  q, Q           Reload init daemon configuration\n  u, U           Reexecute init daemon\n',
};

/** What the command line asks for. Pure. */
export function parseSysvinitArgs(name: string, argv: readonly string[]): FrontAction {
  const helpName = name === 'poweroff' || name === 'reboot' ? 'halt' : name;
  if (argv.includes('--help')) return { kind: 'help', text: (HELP[helpName] ?? '').replace(/^halt/, name) };
  if (name === 'runlevel') return argv.length ? { kind: 'error', message: 'Too many arguments.' } : { kind: 'runlevel' };
  if (name === 'telinit') {
    const c = argv.filter((a) => !a.startsWith('-'));
    if (c.length !== 1) return { kind: 'error', message: 'Wrong number of arguments.' };
    switch (c[0]) {
      case '0': return { kind: 'shutdown', what: 'poweroff' };
      case '6': return { kind: 'shutdown', what: 'reboot' };
      case 'q': case 'Q': return { kind: 'reload' };
      case 'u': case 'U': return { kind: 'nothing' };
      case '2': case '3': case '4': case '5': return { kind: 'nothing' };
      default: return { kind: 'error', message: `telinit ${c[0]}: switching runlevels is not supported by ts-init` };
    }
  }
  let what: 'poweroff' | 'halt' | 'reboot' = name === 'halt' ? 'halt' : name === 'reboot' ? 'reboot' : 'poweroff';
  let warnOnly = false;
  let cancel = false;
  let forceHalt = false;
  const rest: string[] = [];
  for (const a of argv) {
    if (a === '--') continue;
    if (a.startsWith('--')) {
      switch (a) {
        case '--halt': what = 'halt'; forceHalt = true; break;
        case '--poweroff': what = 'poweroff'; break;
        case '--reboot': what = 'reboot'; break;
        case '--wtmp-only': warnOnly = true; break;
        case '--force': case '--no-wtmp': case '--no-sync': case '--no-wall': break;
        default: return { kind: 'error', message: `unrecognized option '${a}'` };
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (const ch of a.slice(1)) {
        if (name === 'shutdown') {
          if (ch === 'H') {
            what = 'halt';
            forceHalt = true;
          } else if (ch === 'P') what = 'poweroff';
          else if (ch === 'r') what = 'reboot';
          else if (ch === 'h') what = forceHalt ? 'halt' : 'poweroff';
          else if (ch === 'k') warnOnly = true;
          else if (ch === 'c') cancel = true;
          else if (ch === 'f' || ch === 'F' || ch === 'a' || ch === 't') continue;
          else return { kind: 'error', message: `invalid option -- '${ch}'` };
        } else if (ch === 'p') what = 'poweroff';
        else if (ch === 'w') warnOnly = true;
        else if (ch === 'f' || ch === 'd' || ch === 'n' || ch === 'i' || ch === 'h') continue;
        else return { kind: 'error', message: `invalid option -- '${ch}'` };
      }
      continue;
    }
    rest.push(a);
  }
  if (cancel || warnOnly) return { kind: 'nothing' };
  if (name === 'shutdown') {
    // systemd's shutdown without a time waits a minute; ts-init has no scheduler: say so rather than act early.
    const when = rest[0];
    if (when === undefined) return { kind: 'error', message: "Failed to schedule shutdown: scheduled shutdowns are not supported by ts-init; use 'shutdown now'" };
    if (when !== 'now' && when !== '+0' && when !== '0') {
      return { kind: 'error', message: `Failed to schedule shutdown at ${when}: scheduled shutdowns are not supported by ts-init; use 'shutdown now'` };
    }
  } else if (rest.length) return { kind: 'error', message: 'Too many arguments.' };
  return { kind: 'shutdown', what };
}

/** The runlevel of the target default.target names (following its alias links). */
export function defaultRunlevel(dirs: readonly string[], root = ''): number {
  for (const d of dirs) {
    let p = path.join(root, d, 'default.target');
    for (let hops = 0; hops < 8; hops++) {
      let target: string;
      try {
        target = fs.readlinkSync(p);
      } catch {
        break;
      }
      const base = path.basename(target);
      if (base in TARGET_RUNLEVELS) return TARGET_RUNLEVELS[base]!;
      p = path.isAbsolute(target) ? path.join(root, target) : path.resolve(path.dirname(p), target);
    }
  }
  return 3;
}

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'];

/** Entry point for the sysvinit names. */
export function sysvinitMain(name: string, argv: readonly string[]): void {
  const out = (s: string) => fs.writeSync(1, s);
  const err = (s: string) => fs.writeSync(2, s);
  // runlevel answers other users too (it reads the state); shutdown is refused them.
  const socket = socketForCaller(controlSocketPath());
  const action = parseSysvinitArgs(name, argv);
  const fail = (e: Error) => {
    if (e instanceof ConnectError) {
      if (action.kind === 'runlevel') {
        out('unknown\n');
      } else err(`System has not been booted with ts-init as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n`);
    } else err(`Failed: ${e.message}\n`);
    process.exit(1);
  };
  switch (action.kind) {
    case 'help':
      out(action.text);
      return process.exit(0);
    case 'error':
      err(`${name}: ${action.message}\n`);
      return process.exit(1);
    case 'nothing':
      return process.exit(0);
    case 'runlevel':
      call('ping', {}, { socket }).then(() => {
        out(`N ${defaultRunlevel(UNIT_DIRS)}\n`);
        process.exit(0);
      }, fail);
      return;
    case 'reload':
      call('daemon-reload', {}, { socket }).then(() => process.exit(0), fail);
      return;
    case 'shutdown':
      call('shutdown', {}, { socket }).then((r) => process.exit(r.ok ? 0 : 1), fail);
      return;
  }
}
