// User and group lookup in the container's /etc/passwd and /etc/group, the way
// systemd resolves User=, Group= and the supplementary groups (initgroups). Pure
// over the file texts; the reading is one small function.
import * as fs from 'node:fs';

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Credentials {
  uid: number;
  gid: number;
  groups: number[];
  home: string;
  shell: string;
  user: string;
}

function parseRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function findAccount(passwd: string, user: string): Account | undefined {
  for (const f of parseRows(passwd)) {
    if (f.length < 7) continue;
    if (f[0] === user || (/^\d+$/.test(user) && f[2] === user)) {
      return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
    }
  }
  return undefined;
}

export function findGroupId(group: string, groupText: string): number | undefined {
  if (/^\d+$/.test(group)) return Number(group);
  for (const f of parseRows(groupText)) if (f[0] === group && f.length >= 3) return Number(f[2]);
  return undefined;
}

/** Groups that list the user as a member (what initgroups(3) adds). */
export function memberGroups(user: string, groupText: string): number[] {
  return parseRows(groupText)
    .filter((f) => f.length >= 4 && f[3]!.split(',').includes(user))
    .map((f) => Number(f[2]));
}

/**
 * Resolves User=/Group=/SupplementaryGroups=. Throws with a message naming the
 * missing user or group (systemd fails such a unit with status 217/USER or 216/GROUP).
 * The files may be given as a function: read only when there is something to resolve
 * (most commands of a boot name no user).
 */
export function resolveCredentials(
  user: string | undefined,
  group: string | undefined,
  supplementary: readonly string[],
  accountFiles: { passwd: string; group: string } | (() => { passwd: string; group: string }),
): Credentials | undefined {
  if (user === undefined && group === undefined && supplementary.length === 0) return undefined;
  const files = typeof accountFiles === 'function' ? accountFiles() : accountFiles;
  const account = findAccount(files.passwd, user ?? 'root');
  if (!account) throw new CredentialError('USER', `user '${user}' does not exist in /etc/passwd`);
  const gid = group === undefined ? account.gid : findGroupId(group, files.group);
  if (gid === undefined) throw new CredentialError('GROUP', `group '${group}' does not exist in /etc/group`);
  const extra = supplementary.map((g) => {
    const id = findGroupId(g, files.group);
    if (id === undefined) throw new CredentialError('GROUP', `supplementary group '${g}' does not exist in /etc/group`);
    return id;
  });
  const groups = [...new Set([gid, ...memberGroups(account.name, files.group), ...extra])];
  return { uid: account.uid, gid, groups, home: account.home, shell: account.shell, user: account.name };
}

export class CredentialError extends Error {
  constructor(
    readonly kind: 'USER' | 'GROUP',
    message: string,
  ) {
    super(message);
  }
}

export function readAccountFiles(root = '/'): { passwd: string; group: string } {
  const read = (f: string): string => {
    try {
      return fs.readFileSync(`${root}etc/${f}`, 'utf8');
    } catch {
      return '';
    }
  };
  return { passwd: read('passwd'), group: read('group') };
}
