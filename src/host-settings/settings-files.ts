// The fronts' file edges: a settings file read with a bound (a FIFO or /dev/zero put in its
// place neither blocks nor fills memory), replaced whole by rename as systemd's daemons do
// (write_string_file_atomic), or removed; /etc/localtime replaced by a new symlink the same way.
import * as fs from 'node:fs';
import { readRegularFile } from '../process/bounded-file';
import { strerror, SysError } from '../sys/libc';
import { replaceFile, temporaryName } from '../sys/safe-create';

const MAX_SETTINGS_FILE = 64 * 1024;

/** The file's text; undefined when it is missing (or not a regular file within the bound). */
export function readSetting(file: string): string | undefined {
  const r = readRegularFile(file, MAX_SETTINGS_FILE);
  return r.ok ? r.text : undefined;
}

/** Replaces the file whole (or removes it when text is empty and removeWhenEmpty). */
export function writeSetting(file: string, text: string, removeWhenEmpty = false): void {
  if (removeWhenEmpty && text === '') {
    fs.rmSync(file, { force: true });
    return;
  }
  replaceFile(file, text, 0o644);
}

/** A new symlink at link pointing to target, renamed over whatever is there. */
export function replaceSymlink(link: string, target: string): void {
  const tmp = temporaryName(link);
  fs.symlinkSync(target, tmp);
  try {
    fs.renameSync(tmp, link);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The text of a failed system call as systemd prints %m: "Device or resource busy". */
export function errorText(err: unknown): string {
  if (err instanceof SysError) return strerror(err.errno);
  const n = (err as NodeJS.ErrnoException).errno;
  return typeof n === 'number' ? strerror(Math.abs(n)) : (err as Error).message;
}
