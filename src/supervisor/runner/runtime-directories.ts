// RuntimeDirectory=: made (mode, owner) before a run's first process, removed at its end
// unless RuntimeDirectoryPreserve= keeps it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeRuntimeDirectory, removeRuntimeDirectory } from '../runtime-directory';
import type { Owner } from './owner';
import type { UnitView } from './unit-view';

export class RuntimeDirectories {
  constructor(
    private readonly unit: UnitView,
    /** Where they live: /run normally. */
    private readonly root: string,
  ) {}

  private runtimeDirs(): string[] {
    return this.unit.config.runtimeDirectory.map((d) => path.join(this.root, d));
  }

  /** Makes them all; the first that cannot be made is logged and returned (the run must not start). */
  make(owner: Owner | undefined): string | undefined {
    for (const dir of this.runtimeDirs()) {
      const error = makeRuntimeDirectory(dir, this.unit.config.runtimeDirectoryMode ?? 0o755, owner);
      if (error) {
        // systemd fails the unit (status 233/RUNTIME_DIRECTORY) rather than start it without.
        const line = `cannot create RuntimeDirectory ${dir}: ${error}${readOnlyHint(this.root)}`;
        this.unit.log.error({ unit: this.unit.name }, line);
        return line;
      }
    }
    return undefined;
  }

  /** The end of a run: removed, unless RuntimeDirectoryPreserve= says to keep them (restarting: whether another run follows). */
  teardown(restarting: boolean): void {
    const preserve = this.unit.config.runtimeDirectoryPreserveMode;
    if (preserve === 'yes' || (preserve === 'restart' && restarting)) return;
    for (const dir of this.runtimeDirs()) {
      try {
        removeRuntimeDirectory(dir);
      } catch (err) {
        // A read-only root (Kubernetes readOnlyRootFilesystem) keeps the image's own copy.
        const e = err as NodeJS.ErrnoException;
        this.unit.log.warn({ unit: this.unit.name }, `cannot remove RuntimeDirectory ${dir}: ${e.code === 'EROFS' ? 'read-only file system' : e.message}`);
      }
    }
  }
}

/** What to do about /run on a read-only root (Kubernetes readOnlyRootFilesystem, docker --read-only). */
export function readOnlyHint(root: string): string {
  try {
    fs.accessSync(root, fs.constants.W_OK);
    return '';
  } catch {
    return ` (${root} is not writable: give the container a tmpfs on ${root})`;
  }
}
