// Who owns what a unit's run is given before its first process starts (its runtime
// directories): User= and Group= resolved against the image's account files.
import { readAccountFiles, resolveCredentials } from '../../exec/account-db';

export type Owner = { uid: number; gid: number };
export type OwnerOf = (user: string | undefined, group: string | undefined) => Owner | undefined;

/** User=/Group= as uid and gid; undefined when they cannot be resolved (the spawn reports a bad user with its own status). */
export const accountOwner: OwnerOf = (user, group) => {
  // Nothing to resolve: the account files are not read (a thousand timers start at boot).
  if (user === undefined && group === undefined) return undefined;
  try {
    return resolveCredentials(user, group, [], readAccountFiles());
  } catch {
    return undefined;
  }
};
