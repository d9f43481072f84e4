// Temporary directories for a test file, removed once its tests are over: a full run makes
// several hundred, and /tmp belongs to the machine, not to the suite.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/** A new directory in the system's temporary directory (as fs.mkdtempSync), removed after this test file. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes the directories made so far (temp-dir-cleanup.ts calls it after every test file). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
