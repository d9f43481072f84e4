// A unit's credentials (LoadCredential=, SetCredential=, ImportCredential=) in
// $CREDENTIALS_DIRECTORY, /run/credentials/UNIT, as systemd makes it: filled while root's and
// 0700, each file 0400, then the directory 0500; given to the unit's User= (systemd's fallback
// where it cannot add an ACL), so the unit reads it and no other user does. Made with the safe
// walker (a symlink planted on the way is refused) and written beneath the directory's fd.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFileBytes } from '../process/bounded-file';
import { closeNode, openPath, reopen } from '../process/safe-path';
import { fnmatch } from '../sys/fnmatch';
import { O_CLOEXEC, openat } from '../sys/libc';
import { credentialIdValid, hasCredentials, type CredentialSettings } from '../units/service-files';
import { makeRuntimeDirectory, removeRuntimeDirectory } from './runtime-directory';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_DIRECTORY } = fs.constants;

/** Where systemd 257 looks for a credential named without a path, after the system's own. */
export const CREDENTIAL_STORES = ['/etc/credstore', '/run/credstore', '/usr/local/lib/credstore', '/usr/lib/credstore'];
/** systemd's CREDENTIAL_SIZE_MAX and CREDENTIALS_TOTAL_SIZE_MAX: one credential, and all of a unit's. */
export const CREDENTIAL_MAX_BYTES = 1024 * 1024;
export const CREDENTIALS_TOTAL_MAX_BYTES = 1024 * 1024;

function readCredential(file: string): Buffer | string {
  const r = readRegularFileBytes(file, CREDENTIAL_MAX_BYTES);
  return r.ok ? r.data : r.message;
}

function listStore(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * What goes into the directory, by name; or why the start must fail. `systemDir`: the
 * credentials PID 1 was given ($CREDENTIALS_DIRECTORY of the container), searched first.
 */
export function gatherCredentials(c: CredentialSettings, systemDir: string | undefined): { files: Map<string, Buffer> } | { error: string } {
  if (c.encrypted.length) {
    return { error: `${c.encrypted[0]}: encrypted credentials need systemd-creds' TPM2 or host key, which ts-init does not have; refusing to start (use LoadCredential= or SetCredential=)` };
  }
  const stores = [...(systemDir ? [systemDir] : []), ...CREDENTIAL_STORES];
  const files = new Map<string, Buffer>();
  for (const { id, path: source } of c.load) {
    if (source.startsWith('/')) {
      const r = readCredential(source);
      if (typeof r === 'string') return { error: `LoadCredential=${id}: ${source}: ${r}` };
      files.set(id, r);
      continue;
    }
    // A name: the first store that has it; none is not an error (SetCredential= may give a default).
    for (const store of stores) {
      const r = readCredential(path.join(store, source));
      if (typeof r !== 'string') {
        files.set(id, r);
        break;
      }
    }
  }
  for (const { id, value } of c.set) if (!files.has(id)) files.set(id, Buffer.from(value, 'utf8'));
  for (const glob of c.import) {
    for (const store of stores) {
      for (const name of listStore(store)) {
        if (files.has(name) || !credentialIdValid(name) || !fnmatch(glob, name)) continue;
        const r = readCredential(path.join(store, name));
        if (typeof r !== 'string') files.set(name, r);
      }
    }
  }
  let total = 0;
  for (const b of files.values()) total += b.length;
  if (total > CREDENTIALS_TOTAL_MAX_BYTES) return { error: `credentials total ${total} bytes, more than ${CREDENTIALS_TOTAL_MAX_BYTES}` };
  return { files };
}

export function credentialsDirectory(runtimeRoot: string, unit: string): string {
  return path.join(runtimeRoot, 'credentials', unit);
}

/**
 * Makes the unit's credentials directory afresh; returns its path (undefined when the unit has
 * no credential settings) or the error that must fail the start.
 */
export function setupCredentials(
  unit: { name: string; credentials: CredentialSettings },
  runtimeRoot: string,
  owner: { uid: number; gid: number } | undefined,
  systemDir: string | undefined,
): { dir?: string; error?: string } {
  if (!hasCredentials(unit.credentials)) return {};
  const gathered = gatherCredentials(unit.credentials, systemDir);
  if ('error' in gathered) return { error: gathered.error };
  const dir = credentialsDirectory(runtimeRoot, unit.name);
  try {
    removeRuntimeDirectory(dir); // what an earlier run left
  } catch (err) {
    return { error: `cannot remove the old ${dir}: ${(err as Error).message}` };
  }
  const made = makeRuntimeDirectory(path.dirname(dir), 0o755, undefined) ?? makeRuntimeDirectory(dir, 0o700, undefined);
  if (made) return { error: made };
  let node: ReturnType<typeof openPath> | undefined;
  let dfd: number | undefined;
  try {
    node = openPath(dir);
    dfd = reopen(node.fd, O_RDONLY | O_DIRECTORY);
    const give = owner !== undefined && owner.uid !== 0 ? owner : undefined;
    for (const [id, data] of gathered.files) {
      const fd = openat(dfd, id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o400);
      try {
        fs.writeSync(fd, data);
        fs.fchmodSync(fd, 0o400);
        if (give) fs.fchownSync(fd, give.uid, give.gid);
      } finally {
        fs.closeSync(fd);
      }
    }
    if (give) fs.fchownSync(dfd, give.uid, give.gid);
    fs.fchmodSync(dfd, 0o500);
    return { dir };
  } catch (err) {
    return { error: `cannot write the credentials into ${dir}: ${(err as Error).message}` };
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
    closeNode(node);
  }
}

/** Removes the unit's credentials directory (at the end of a run, as systemd does). */
export function removeCredentials(runtimeRoot: string, unit: string): void {
  try {
    removeRuntimeDirectory(credentialsDirectory(runtimeRoot, unit));
  } catch {
    // A read-only /run: nothing was made there either.
  }
}
