// The client faces of the executable: systemd's and sysvinit's commands, dumb-init, the
// control CLI and the container-engine side. In the executable they are a bundle of their
// own (build.js), so that PID 1 neither reads nor compiles them.
import type { ClientFace } from './face';
import { JOURNAL_WRITER_ARG } from './journal/journal-writer-arg';

export function clientMain(face: ClientFace, argv: string[]): void {
  if (face.kind === 'named') {
    const name = face.name;
    if (name === 'ts-init-runtime') return require('./engine/runtime-wrapper').runtimeMain(argv, name);
    if (name === 'oci-precreate') return require('./engine/precreate-hook').precreateMain(name);
    if (name === 'systemctl') return require('./control/systemctl').systemctlMain(argv);
    if (name === 'journalctl') return require('./journal/journalctl').journalctlMain(argv);
    if (name === 'systemd-analyze') return require('./control/systemd-analyze').systemdAnalyzeMain(argv);
    if (name === 'service') return require('./control/systemctl').serviceMain(argv);
    // hostnamectl, timedatectl, localectl: the settings fronts, over the files systemd's daemons keep.
    if (name === 'hostnamectl') return require('./host-settings/hostnamectl').hostnamectlMain(argv);
    if (name === 'timedatectl') return require('./host-settings/timedatectl').timedatectlMain(argv);
    if (name === 'localectl') return require('./host-settings/localectl').localectlMain(argv);
    if (name === 'dumb-init') return require('./personality/dumb-init').dumbInitMain(argv);
    // systemd-tmpfiles-clean.service's command, run by ts-init under that name (supervisor/systemd-own-units.ts).
    if (name === 'systemd-tmpfiles') return require('./boot/tmpfiles-main').tmpfilesMain(argv);
    // systemd-sysv's links to systemctl: /sbin/shutdown, halt, poweroff, reboot, runlevel, telinit.
    return require('./control/sysvinit-fronts').sysvinitMain(name, argv);
  }
  const rest = argv.slice(1);
  if (face.command === JOURNAL_WRITER_ARG) return require('./journal/journal-writer-main').journalWriterMain(rest);
  if (face.command === 'ctl') return require('./control/ctl-cli').ctlMain(rest);
  if (face.command === 'oci-runtime') return require('./engine/runtime-wrapper').runtimeMain(rest, 'ts-init oci-runtime');
  if (face.command === 'oci-precreate') return require('./engine/precreate-hook').precreateMain('ts-init oci-precreate');
  return require('./engine/install-host').installHostMain(rest);
}
