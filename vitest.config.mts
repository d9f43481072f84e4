import { configDefaults, defineConfig } from 'vitest/config';
import FileOrder from './test/helpers/file-sequencer.mjs';

// Three tiers, one run (scripts/test.sh runs them all):
// - test/unit: pure and fast (no network, no build, no root, no waiting on real time), the
//   loop to run after every change. Its files share their workers' module cache (isolate:
//   false): importing the sources again for each of some 50 files cost most of its CPU time.
// - test/slow-unit: no build either, but needs more: the network and a git checkout (Debian's
//   unit files), real time (the directory watcher's quiet periods), or many seconds of CPU
//   (the fuzzers).
// - test/integration, test/container, test/engines, test/peer: dist/ts-init as PID 1 in a
//   fresh PID namespace, podman, container engines, other inits' own suites.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Integration tests fork many processes; keep two files at a time on two cores.
    maxWorkers: 2,
    // Longest files first, from written-down costs where vitest has no results cache (a fresh
    // checkout), and a file that would wait for an image another file builds after the rest.
    sequence: { sequencer: FileOrder },
    reporters: ['default'],
    // Removes each test file's temporary directories once it is over (test/helpers/temp-dir.ts).
    setupFiles: ['test/helpers/temp-dir-cleanup.ts'],
    // The run's id, and the removal of the images its files shared (test/helpers/container.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      { extends: true, test: { name: 'rest', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/unit/**'] } },
    ],
  },
});
