// pino's tools ask worker_threads only whether this is the main thread (build.js).
export const isMainThread = true;
