import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration tests run dist/ts-init as PID 1 in a
// fresh PID namespace; container tests drive podman. They share one run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Integration tests fork many processes; keep two files at a time on two cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
