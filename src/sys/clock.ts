// performance.now() and performance.timeOrigin without the global `performance`: its first use
// loads perf_hooks (the Performance classes, observers, histograms), some 0.2 MB of PID 1's
// private memory for two numbers. Where the runtime lets ts-init reach its internals (the
// executable runs with --expose-internals), the same clock is read from where `performance`
// reads it; elsewhere (the tests' Node.js) from `performance` itself.
type PerfUtils = { now(): number; getTimeOriginTimestamp(): number };

function perfUtils(): PerfUtils | undefined {
  try {
    const utils = process.getBuiltinModule?.('internal/perf/utils') as Partial<PerfUtils> | undefined;
    return typeof utils?.now === 'function' && typeof utils.getTimeOriginTimestamp === 'function' ? (utils as PerfUtils) : undefined;
  } catch {
    return undefined;
  }
}

const utils = perfUtils();

/** performance.now(): ms of CLOCK_MONOTONIC since the process's time origin. */
export const monotonicNow: () => number = utils ? utils.now : () => performance.now();

/** performance.timeOrigin: the time origin as ms since the epoch. */
export function timeOrigin(): number {
  return utils ? utils.getTimeOriginTimestamp() : performance.timeOrigin;
}
