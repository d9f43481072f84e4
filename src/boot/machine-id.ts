// Setting up /etc/machine-id at boot, before the generators, as systemd 257 does: libsystemd's
// users (sd_id128_get_machine) and dbus-broker fail on an empty file. What to do is decided in
// machine-id-plan.ts; here the files are read and written, never following a symlink, and
// the transient ID is bind-mounted. Runs only as the rich init of a container's own root.
import * as fs from 'node:fs';
import type { Logger } from '../log/logger';
import { readRegularFd } from '../process/bounded-file';
import { procFdPath } from '../process/safe-path';
import { urandomBytes } from '../sys/urandom';
import { AT_FDCWD, errnoName, MNT_DETACH, mount, MS_BIND, MS_RDONLY, MS_REMOUNT, O_CLOEXEC, O_PATH, openat, SysError, umount2 } from '../sys/libc';
import { id128FromRandomBytes, isFirstBoot, planMachineId, type MachineIdFile, type MachineIdPlan } from './machine-id-plan';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = fs.constants;

export const ETC_MACHINE_ID = '/etc/machine-id';
const RUN_MACHINE_ID = '/run/machine-id';
const DBUS_MACHINE_ID = '/var/lib/dbus/machine-id';
/** A machine-id file is 33 bytes; anything much larger is garbage and is not read whole. */
const MAX_BYTES = 4096;

function errCode(err: unknown): string {
  if (err instanceof SysError) return errnoName(err.errno) ?? String(err.errno);
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** What a file is, opened O_NOFOLLOW|O_NONBLOCK (a FIFO does not block, a symlink is not followed). */
export function inspectIdFile(file: string): MachineIdFile {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'other', what: 'a symbolic link' };
    return { kind: 'other', what: `unreadable (${code})` };
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { kind: 'other', what: 'a directory' };
    if (st.isFIFO()) return { kind: 'other', what: 'a FIFO' };
    if (!st.isFile()) return { kind: 'other', what: 'not a regular file' };
    const r = readRegularFd(fd, MAX_BYTES);
    // Too large (or unreadable) to be an ID: garbage, read as such.
    return { kind: 'regular', text: r.ok ? r.text : '(not a machine ID)' };
  } finally {
    fs.closeSync(fd);
  }
}

/** /etc/machine-id may be written, or created: EROFS (a read-only /etc) is what says no. */
function etcWritable(f: MachineIdFile): boolean {
  try {
    if (f.kind === 'missing') fs.accessSync('/etc', fs.constants.W_OK);
    else fs.closeSync(fs.openSync(ETC_MACHINE_ID, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    return true;
  } catch {
    return false;
  }
}

/** /etc/machine-id opened for writing (created 0444 when missing), never through a symlink; a regular file only. */
function openEtc(create: boolean): number {
  const fd = fs.openSync(ETC_MACHINE_ID, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (create ? O_CREAT | O_EXCL : 0), 0o444);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error('not a regular file');
    if (create) fs.fchmodSync(fd, 0o444);
    return fd;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

function replaceText(fd: number, text: string): void {
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, text, 0);
  fs.fsyncSync(fd);
}

function writeEtc(text: string): void {
  const fd = openEtc(false);
  try {
    replaceText(fd, text);
  } finally {
    fs.closeSync(fd);
  }
}

/** /run/machine-id (0444, as systemd writes it), bind-mounted read-only over /etc/machine-id's very inode. */
function mountTransient(id: string): void {
  const fd = fs.openSync(RUN_MACHINE_ID, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0o444);
  try {
    fs.fchmodSync(fd, 0o444);
    fs.writeSync(fd, `${id}\n`);
  } finally {
    fs.closeSync(fd);
  }
  // The target is opened O_PATH|O_NOFOLLOW and mounted over through /proc/self/fd: the
  // inode that was checked, not whatever the name resolves to by then.
  const target = openat(AT_FDCWD, ETC_MACHINE_ID, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  try {
    mount(RUN_MACHINE_ID, procFdPath(target), null, MS_BIND);
  } catch (err) {
    fs.rmSync(RUN_MACHINE_ID, { force: true });
    throw err;
  } finally {
    fs.closeSync(target);
  }
  mount(null, ETC_MACHINE_ID, null, MS_BIND | MS_REMOUNT | MS_RDONLY);
}

function commitTransient(log: Logger, beneath: number, id: string): void {
  try {
    replaceText(beneath, `${id}\n`);
    umount2(ETC_MACHINE_ID, MNT_DETACH);
    log.debug(`committed the machine ID to ${ETC_MACHINE_ID}`);
  } catch (err) {
    log.warn(`cannot commit the machine ID to ${ETC_MACHINE_ID}: ${errCode(err)}; it stays transient until the next boot`);
  } finally {
    fs.closeSync(beneath);
  }
}

function readDbusId(): string | undefined {
  const f = inspectIdFile(DBUS_MACHINE_ID);
  return f.kind === 'regular' ? f.text : undefined;
}

export interface MachineIdSetup {
  /** ConditionFirstBoot= and SYSTEMD_FIRST_BOOT for this boot, decided before anything was written. */
  firstBoot: boolean;
  plan: MachineIdPlan;
  /**
   * systemd-machine-id-commit, for a first boot's transient ID on a writable /etc: once the
   * boot's start jobs are over, the ID is written into the file beneath the mount (through the
   * fd opened before it) and the mount detached, so readers never see "uninitialized" and the
   * next boot is not a first boot.
   */
  commit?: () => void;
}

const SOURCE_TEXT = { dbus: 'the D-Bus machine ID', container: 'the container UUID', random: 'the random generator' } as const;

/** systemd's machine_id_setup at boot; never throws: what fails is logged and boot goes on. */
export function setupMachineId(log: Logger, inContainer: boolean, env: Readonly<Record<string, string | undefined>> = process.env): MachineIdSetup {
  const etc = inspectIdFile(ETC_MACHINE_ID);
  const firstBoot = isFirstBoot(etc);
  const writable = etc.kind !== 'other' && etcWritable(etc);
  const plan = planMachineId({
    etc,
    etcWritable: writable,
    dbusText: readDbusId(),
    containerUuid: env.container_uuid,
    inContainer,
    random: () => id128FromRandomBytes(urandomBytes(16)),
  });
  if (etc.kind === 'regular' && plan.action !== 'keep' && etc.text !== '' && !firstBoot) {
    log.warn(`${ETC_MACHINE_ID} does not hold a valid machine ID; replacing it`);
  }
  if (etc.kind === 'other') log.warn(`${ETC_MACHINE_ID} is ${etc.what}, not a machine ID file`);
  let commit: (() => void) | undefined;
  try {
    switch (plan.action) {
      case 'keep':
        break;
      case 'refuse':
        log.error(`machine ID not set up: ${plan.why}`);
        break;
      case 'write':
        log.info(`initializing machine ID from ${SOURCE_TEXT[plan.source]}`);
        writeEtc(`${plan.id}\n`);
        break;
      case 'transient': {
        log.info(`initializing machine ID from ${SOURCE_TEXT[plan.source]}`);
        const beneath = plan.markUninitialized ? openEtc(etc.kind === 'missing') : undefined;
        if (beneath !== undefined) {
          try {
            replaceText(beneath, 'uninitialized\n');
          } catch (err) {
            fs.closeSync(beneath);
            throw err;
          }
        }
        try {
          mountTransient(plan.id);
          log.debug(`installed transient ${ETC_MACHINE_ID}`);
        } catch (err) {
          // No CAP_SYS_ADMIN (Docker's default): the ID is written into the image's file when
          // /etc can take it, so libsystemd's users still find one.
          if (beneath === undefined && !writable) throw err;
          if (beneath !== undefined) replaceText(beneath, `${plan.id}\n`);
          else writeEtc(`${plan.id}\n`);
          log.info(`cannot bind-mount ${RUN_MACHINE_ID} over ${ETC_MACHINE_ID} (${errCode(err)}); wrote the machine ID into it`);
          if (beneath !== undefined) fs.closeSync(beneath);
          break;
        }
        if (beneath !== undefined) commit = () => commitTransient(log, beneath, plan.id);
        break;
      }
    }
  } catch (err) {
    log.error(`machine ID not set up: ${errCode(err)}`);
  }
  return { firstBoot, plan, commit };
}
