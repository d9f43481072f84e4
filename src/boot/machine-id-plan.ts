// The machine ID as systemd 257 sets it up at boot (machine_id_setup), decided purely: what
// /etc/machine-id holds, whether /etc is writable, and the candidate IDs go in; what to write
// and whether to bind-mount a transient /run/machine-id over it comes out. Pure.
import { parseId128String, readId128Text } from '../units/id128';

/** What /etc/machine-id is, as the edge found it (never following a symlink). */
export type MachineIdFile =
  | { kind: 'missing' }
  | { kind: 'regular'; text: string }
  /** A FIFO, directory, device, symlink or unreadable file: `what` says which, for the log. */
  | { kind: 'other'; what: string };

/**
 * ConditionFirstBoot= and SYSTEMD_FIRST_BOOT as systemd 257 decide them: the file is
 * missing or says "uninitialized". An empty file (how images are built) is not a first boot.
 */
export function isFirstBoot(f: MachineIdFile): boolean {
  if (f.kind === 'missing') return true;
  if (f.kind !== 'regular') return false;
  const r = readId128Text(f.text);
  return !r.ok && r.why === 'uninitialized';
}

export interface MachineIdInputs {
  etc: MachineIdFile;
  /** /etc/machine-id can be written (or, missing, created): /etc is not read-only. */
  etcWritable: boolean;
  /** /var/lib/dbus/machine-id's text, when it is a regular file (not a symlink). */
  dbusText?: string;
  /** PID 1's $container_uuid, looked at only in a container. */
  containerUuid?: string;
  inContainer: boolean;
  /** A random ID (systemd's sd_id128_randomize), asked for only when nothing else gives one. */
  random: () => string;
}

export type IdSource = 'dbus' | 'container' | 'random';

export type MachineIdPlan =
  /** A valid ID is there already. */
  | { action: 'keep'; id: string }
  /** Not a first boot and /etc writable: the new ID is written into /etc/machine-id. */
  | { action: 'write'; id: string; source: IdSource }
  /**
   * The ID lives in /run/machine-id, bind-mounted read-only over /etc/machine-id: a first
   * boot (then "uninitialized\n" is written to /etc/machine-id first when it is writable,
   * so the next boot is a first boot too until something commits the ID), or /etc read-only.
   */
  | { action: 'transient'; id: string; source: IdSource; markUninitialized: boolean }
  /** Nothing can be done (a directory there, or missing on a read-only /etc): why, for the log. */
  | { action: 'refuse'; why: string };

/** systemd's generate_machine_id: D-Bus's ID, else $container_uuid in a container, else random. */
export function chooseMachineId(i: Pick<MachineIdInputs, 'dbusText' | 'containerUuid' | 'inContainer' | 'random'>): { id: string; source: IdSource } {
  if (i.dbusText !== undefined) {
    const r = readId128Text(i.dbusText);
    if (r.ok) return { id: r.id, source: 'dbus' };
  }
  if (i.inContainer && i.containerUuid !== undefined) {
    const id = parseId128String(i.containerUuid);
    if (id !== undefined) return { id, source: 'container' };
  }
  return { id: i.random(), source: 'random' };
}

export function planMachineId(i: MachineIdInputs): MachineIdPlan {
  const e = i.etc;
  if (e.kind === 'regular') {
    const r = readId128Text(e.text);
    if (r.ok) return { action: 'keep', id: r.id };
  }
  if (e.kind === 'other' && e.what === 'a directory') return { action: 'refuse', why: '/etc/machine-id is a directory' };
  if (e.kind === 'other' && e.what === 'a symbolic link') return { action: 'refuse', why: '/etc/machine-id is a symbolic link; not followed' };
  if (e.kind === 'missing' && !i.etcWritable) return { action: 'refuse', why: '/etc/machine-id is missing and /etc is read-only' };
  const { id, source } = chooseMachineId(i);
  const firstBoot = isFirstBoot(e);
  // A FIFO or other non-file is never written into: only mounted over, as on a read-only /etc.
  const writable = i.etcWritable && e.kind !== 'other';
  if (writable && !firstBoot) return { action: 'write', id, source };
  return { action: 'transient', id, source, markUninitialized: writable && firstBoot };
}

/** A random version-4 ID as sd_id128_randomize makes one, from 16 random bytes. */
export function id128FromRandomBytes(b: Uint8Array): string {
  const x = Uint8Array.from(b.slice(0, 16));
  x[6] = (x[6]! & 0x0f) | 0x40;
  x[8] = (x[8]! & 0x3f) | 0x80;
  return Buffer.from(x).toString('hex');
}
