// Once per vitest run (vitest.config.mts: globalSetup), in its main process: the run's id for the
// test files (the podman environment and the images they share are kept under it,
// test/helpers/container.ts), and at its end the removal of those.
import * as fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { binaryImagesMark, removeBinaryImages, runEnvFile } from './container';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The pid of the vitest run's main process. */
    tsInitTestRun: string;
  }
}

export default function setup(project: TestProject): () => Promise<void> {
  const run = String(process.pid);
  project.provide('tsInitTestRun', run);
  return async () => {
    // Only a run that made some prepares podman for it (a unit-only run never touches podman),
    // with the environment its files left.
    if (fs.existsSync(binaryImagesMark(run))) await removeBinaryImages(run);
    fs.rmSync(runEnvFile(run), { force: true });
  };
}
