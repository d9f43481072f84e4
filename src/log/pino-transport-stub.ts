// What the bundle gets for pino's transports (build.js): PID 1 logs synchronously and
// never through a worker thread, so pino's transport module, thread-stream and the
// runtime's worker_threads (some 0.4 MB of private memory once pino is loaded) are
// left out. Asking for a transport is a programming error.
export = function transport(): never {
  throw new Error('pino transports are not available in ts-init: it logs synchronously, without worker threads');
};
