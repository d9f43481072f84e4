// Entry point. One executable, several faces: the init itself, the exec helper it
// starts children through, the control CLI, and the container-engine side (OCI hook,
// runtime wrapper, host installation).
// First: PID 1 holds the shutdown signals from here on (see early-signals.ts).
import './process/early-signals';
import { clientMain } from './client-main';
import { faceOf } from './face';
import { isolateRuntimeEnvironment } from './runtime-env';

function main(): void {
  isolateRuntimeEnvironment();
  const argv = process.argv.slice(2);
  // One executable, named for what it should be (face.ts).
  const face = faceOf(process.argv0, argv);
  if (face.kind === 'exec-helper') {
    require('./process/exec-helper').runExecHelper(argv[1] ?? '');
    return;
  }
  if (face.kind === 'init') {
    require('./init-main').initMain(argv);
    return;
  }
  clientMain(face, argv);
}

main();
