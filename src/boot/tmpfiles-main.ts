// `systemd-tmpfiles --clean` answered by ts-init's executable (main.ts dispatches the name):
// what systemd-tmpfiles-clean.service runs, kept under ts-init with its command mapped here
// (supervisor/systemd-own-units.ts), so /tmp and /var/tmp age whether or not the image has
// systemd's binary. Only --clean: the rest of systemd-tmpfiles is done at boot by PID 1.
import * as fs from 'node:fs';
import { tmpfilesSpecifiers } from './boot';
import { hostFacts } from './host-facts';
import { cleanTmpfiles } from './tmpfiles-clean';
import { readTmpfilesLines } from './tmpfiles-apply';

const USAGE = 'systemd-tmpfiles --clean\n\nRemoves what tmpfiles.d lines with an age say is old (tmpfiles.d(5)).\nts-init answers --clean only; creating and removing is done at boot by ts-init itself.\n';

export function tmpfilesMain(argv: readonly string[]): void {
  const out = (s: string) => fs.writeSync(1, s);
  const err = (s: string) => fs.writeSync(2, s);
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    process.exit(0);
  }
  const unknown = argv.filter((a) => a !== '--clean');
  if (!argv.includes('--clean') || unknown.length) {
    err(`systemd-tmpfiles: ${unknown.length ? `'${unknown.join(' ')}' is not supported by ts-init` : 'nothing to do'}; only --clean is\n`);
    process.exit(1);
  }
  const read = readTmpfilesLines(tmpfilesSpecifiers(hostFacts(process.env)));
  const r = cleanTmpfiles(read.lines);
  for (const e of [...read.errors, ...r.errors]) err(`${e}\n`);
  // A line systemd-tmpfiles cannot read is EX_DATAERR (65), which the unit counts as success.
  process.exit(r.errors.length ? 1 : read.errors.length ? 65 : 0);
}
