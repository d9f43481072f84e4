// The init face of the executable: parse the command line, set up logging and
// the FFI, run, exit with the right status.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from './cli/options';
import { ENGINE_ERROR_ENV } from './engine/engine-error';
import { LICENSE_TEXT, usageText } from './cli/usage';
import { createLogger } from './log/logger';
import { exitImmediately, preloadLibc, setThreadName, shareMallocArenas } from './sys/libc';
import { versionText } from './version';
import { anyUnitDirectory } from './supervisor/unit-dirs';
import { runInit } from './init/init';
import { gatherFacts } from './personality/facts';
import { choosePersonality, describePersonality } from './personality/rule';

const PROGRAM = 'ts-init';

function write(fd: number, text: string): void {
  fs.writeSync(fd, text);
}

export function initMain(argv: string[]): void {
  const refused = process.env[ENGINE_ERROR_ENV];
  if (refused) {
    // podman drops a failing hook's stderr: the container itself says what was wrong.
    write(2, `${PROGRAM}: ${refused}\n`);
    process.exit(1);
  }
  const parsed = parseArgs(argv, process.env);
  switch (parsed.kind) {
    case 'version':
      write(1, versionText());
      process.exit(0);
    case 'help':
      write(1, usageText(PROGRAM));
      process.exit(0);
    case 'license':
      write(1, LICENSE_TEXT);
      process.exit(0);
    case 'usage-error':
      write(2, `${PROGRAM}: ${parsed.message}\nTry '${PROGRAM} -h' for more information.\n`);
      process.exit(1);
  }
  const o = parsed.options;
  const log = createLogger(o.verbosity, o.logFormat);
  try {
    preloadLibc();
    shareMallocArenas();
  } catch (err) {
    write(2, `${PROGRAM}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // The runtime renames its main thread "MainThread", which is the name ps, top and pgrep
  // show for the whole process; give back the name the kernel set from the executed file.
  try {
    setThreadName(path.basename(process.argv0));
  } catch (err) {
    log.debug({ err }, 'cannot restore the process name');
  }
  // PID 1 must not die of a bug in a side path; the child's status still matters.
  process.on('uncaughtException', (err) => log.error({ err }, 'internal error (continuing)'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'internal error in a promise (continuing)'));
  const isPid1 = process.pid === 1;
  const personality = choosePersonality(o, gatherFacts(process.argv0, isPid1));
  log.info(describePersonality(personality));
  // The supervisor is loaded only when there is somewhere units could come from.
  const services = anyUnitDirectory(personality.units)
    ? (require('./services') as typeof import('./services')).servicesFactory(o, personality.units, { ownsMachine: personality.ownsMachine, systemdIdentity: personality.systemdIdentity }).factory
    : undefined;
  runInit(o, log, services, { face: personality.face, envFiles: personality.rich && isPid1 }).then(
    (code) => exitImmediately(code),
    (err: Error) => {
      log.fatal({ err }, 'init failed');
      process.exit(1);
    },
  );
}
