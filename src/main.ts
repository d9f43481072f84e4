// Entry point. One executable, several faces: the init itself, the exec helper it
// starts children through, and (by later dispatch) the control CLI.
import * as path from 'node:path';
import { EXEC_HELPER_ARG } from './process/exec-spec';
import { isolateRuntimeEnvironment } from './runtime-env';

function main(): void {
  isolateRuntimeEnvironment();
  const argv = process.argv.slice(2);
  if (argv[0] === EXEC_HELPER_ARG) {
    require('./process/exec-helper').runExecHelper(argv[1] ?? '');
    return;
  }
  // One executable, named for what it should be: `systemctl`, `service` and `dumb-init` by symlink.
  const name = path.basename(process.argv0);
  if (name === 'systemctl') return require('./control/systemctl').systemctlMain(argv);
  if (name === 'service') return require('./control/systemctl').serviceMain(argv);
  if (name === 'dumb-init') return require('./personality/dumb-init').dumbInitMain(argv);
  // systemd-sysv's links to systemctl: /sbin/shutdown, halt, poweroff, reboot, runlevel, telinit.
  if (['shutdown', 'halt', 'poweroff', 'reboot', 'runlevel', 'telinit'].includes(name)) {
    return require('./control/sysvinit-fronts').sysvinitMain(name, argv);
  }
  if (argv[0] === 'ctl') return require('./control/ctl-cli').ctlMain(argv.slice(1));
  require('./init-main').initMain(argv);
}

main();
