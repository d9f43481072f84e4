// Entry point. One executable, several faces: the init itself, the exec helper it
// starts children through, and (by later dispatch) the control CLI.
import { EXEC_HELPER_ARG } from './init/exec-spec';
import { isolateRuntimeEnvironment } from './runtime-env';

function main(): void {
  isolateRuntimeEnvironment();
  const argv = process.argv.slice(2);
  if (argv[0] === EXEC_HELPER_ARG) {
    require('./init/exec-helper').runExecHelper(argv[1] ?? '');
    return;
  }
  require('./init/init-main').initMain(argv);
}

main();
