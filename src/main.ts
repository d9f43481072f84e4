// Entry point. One executable, several faces: the init itself, the exec helper it
// starts children through, the control CLI, and the container-engine side (OCI hook,
// runtime wrapper, host installation).
// First: PID 1 holds the shutdown signals from here on (see early-signals.ts).
import './process/early-signals';
import * as path from 'node:path';
import { EXEC_HELPER_ARG } from './process/exec-spec';
import { JOURNAL_WRITER_ARG } from './journal/journal-writer-arg';
import { isolateRuntimeEnvironment } from './runtime-env';

function main(): void {
  isolateRuntimeEnvironment();
  const argv = process.argv.slice(2);
  if (argv[0] === EXEC_HELPER_ARG) {
    require('./process/exec-helper').runExecHelper(argv[1] ?? '');
    return;
  }
  if (argv[0] === JOURNAL_WRITER_ARG) return require('./journal/journal-writer-main').journalWriterMain(argv.slice(1));
  // One executable, named for what it should be: `systemctl`, `journalctl`, `service` and `dumb-init` by
  // symlink, `ts-init-runtime` (a runtime handler's BinaryName) and `oci-precreate` likewise.
  const name = path.basename(process.argv0);
  if (name === 'ts-init-runtime') return require('./engine/runtime-wrapper').runtimeMain(argv, name);
  if (name === 'oci-precreate') return require('./engine/precreate-hook').precreateMain(name);
  if (name === 'systemctl') return require('./control/systemctl').systemctlMain(argv);
  if (name === 'journalctl') return require('./journal/journalctl').journalctlMain(argv);
  if (name === 'service') return require('./control/systemctl').serviceMain(argv);
  if (name === 'dumb-init') return require('./personality/dumb-init').dumbInitMain(argv);
  // systemd-sysv's links to systemctl: /sbin/shutdown, halt, poweroff, reboot, runlevel, telinit.
  if (['shutdown', 'halt', 'poweroff', 'reboot', 'runlevel', 'telinit'].includes(name)) {
    return require('./control/sysvinit-fronts').sysvinitMain(name, argv);
  }
  if (argv[0] === 'ctl') return require('./control/ctl-cli').ctlMain(argv.slice(1));
  if (argv[0] === 'oci-runtime') return require('./engine/runtime-wrapper').runtimeMain(argv.slice(1), 'ts-init oci-runtime');
  if (argv[0] === 'oci-precreate') return require('./engine/precreate-hook').precreateMain('ts-init oci-precreate');
  if (argv[0] === 'install-host') return require('./engine/install-host').installHostMain(argv.slice(1));
  require('./init-main').initMain(argv);
}

main();
