// What the bundle's libraries get for `require('assert')` (sonic-boom under pino, and
// thread-stream, both only call assert(value, message)). Node's own assert module sets
// up colours for its error diffs on load, and that reads process.stderr: creating that
// stream makes a piped stderr non-blocking, and the pipe's open file description is
// shared with the CMD, whose own writes would then fail with EAGAIN.
function assert(value: unknown, message?: string): asserts value {
  if (!value) throw new Error(message ?? 'assertion failed');
}

export = assert;
