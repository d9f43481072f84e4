// What bundled libraries get for `fs/promises` (build.js): the few calls the unit
// directory watcher makes (stat, lstat, realpath, readdir, open), on the callback API.
// The runtime's own fs/promises brings its file handles, streams and readline along:
// some 0.3 MB of private memory in every supervising PID 1, for those five calls.
import * as fs from 'node:fs';

type Callback<T> = (err: NodeJS.ErrnoException | null, value: T | undefined) => void;

function promised<T>(call: (done: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value as T))));
}

export function stat(path: fs.PathLike, options?: fs.StatOptions): Promise<fs.Stats | fs.BigIntStats> {
  return promised((done) => fs.stat(path, options ?? {}, done));
}

export function lstat(path: fs.PathLike, options?: fs.StatOptions): Promise<fs.Stats | fs.BigIntStats> {
  return promised((done) => fs.lstat(path, options ?? {}, done));
}

/**
 * The C library's realpath in one request, as the runtime's fs/promises does. The callback
 * API's fs.realpath walks the path in JavaScript, an lstat and a turn of the event loop
 * per component: the watcher's first scan of /etc/systemd/system (some 30 links into
 * /lib, itself a link) cost PID 1 about 100 ms that way, in the middle of the boot.
 */
export function realpath(path: fs.PathLike): Promise<string> {
  return promised((done) => fs.realpath.native(path, done));
}

export function readdir(path: fs.PathLike, options?: fs.ObjectEncodingOptions & { withFileTypes?: boolean }): Promise<string[] | fs.Dirent[]> {
  return promised((done) => fs.readdir(path, (options ?? {}) as fs.ObjectEncodingOptions & { withFileTypes: true }, done as Callback<fs.Dirent[]>));
}

/** Only what the libraries do with the handle: close it. */
export function open(path: fs.PathLike, flags?: fs.OpenMode): Promise<{ fd: number; close(): Promise<void> }> {
  return promised<number>((done) => fs.open(path, flags ?? 'r', done)).then((fd) => ({
    fd,
    close: () => promised<void>((done) => fs.close(fd, (err) => done(err, undefined))),
  }));
}
