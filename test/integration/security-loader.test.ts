// The FFI module a root PID 1 loads is never an inode another user made or can write
// (issue 18, H2). The review's setting: /dev/shm noexec, /run read-only, /tmp a 0777
// executable emptyDir (no sticky bit) where uid 65534 planted files, during an earlier run
// of the pod, at the names the extraction used: the temporary `<name>.1.tmp` and the
// module's own name. Checked from the CMD (root, in the namespace): what PID 1 mapped
// (/proc/1/maps) and what became of the planted files.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PINNED_TS_INIT, REPO, runAsPid1 } from '../helpers/ts-init';

const KOFFI = `${REPO}/node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node`;
const NAME = `ts-init-koffi-${createHash('sha256').update(fs.readFileSync(KOFFI)).digest('hex').slice(0, 16)}.node`;
const AS_USER = 'setpriv --reuid 65534 --regid 65534 --clear-groups';

/** A private /dev that is noexec (keeping the device nodes ts-init and sh use), /dev/shm noexec, /tmp 0777. */
const SHARED_TMP =
  'for n in null zero urandom; do touch /run/.dev-$n && mount --bind /dev/$n /run/.dev-$n; done && ' +
  'mount -t tmpfs -o mode=755,noexec tmpfs /dev && ' +
  'for n in null zero urandom; do touch /dev/$n && mount --bind /run/.dev-$n /dev/$n; done && ' +
  'mkdir /dev/shm && mount -t tmpfs -o mode=1777,noexec tmpfs /dev/shm && ' +
  'mount -t tmpfs -o mode=0777 tmpfs /tmp';

/** Planted by uid 65534: the old temporary name (PID 1's pid is 1) and the module's own name. */
const PLANT =
  `${AS_USER} sh -c 'echo planted > /tmp/${NAME}.1.tmp && echo planted > /tmp/${NAME} && chmod 666 /tmp/${NAME}.1.tmp /tmp/${NAME}' && ` +
  `stat -c '%i %Y %U' /tmp/${NAME}.1.tmp > /run/.planted-tmp && stat -c '%i %Y %U' /tmp/${NAME} > /run/.planted-final`;

const READ_ONLY_RUN = 'mount -o remount,ro /run';

/** From a /proc/PID/maps line: the inode and the path. */
const MAPPED = `awk '{printf "%s", $5; for (i = 6; i <= NF; i++) printf " %s", $i; print ""}'`;

/** What the CMD reports: the koffi mapping's path and inode, and each planted name's inode, mtime, owner and content. */
const LOOK = [
  `echo "maps: $(grep -m1 'r-xp.*koffi' /proc/1/maps | ${MAPPED})"`,
  `echo "planted tmp before: $(cat /run/.planted-tmp)"`,
  `echo "planted tmp now: $(stat -c '%i %Y %U' /tmp/${NAME}.1.tmp 2>&1) $(cat /tmp/${NAME}.1.tmp 2>&1)"`,
  `echo "planted final before: $(cat /run/.planted-final)"`,
  `echo "final now: $(stat -c '%i %U %a %h' /tmp/${NAME} 2>&1)"`,
  `echo "tmp: $(ls -A /tmp | sort | tr '\\n' ' ')"`,
].join('; ');

function field(out: string, label: string): string {
  return new RegExp(`^${label}: (.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
}

describe('the FFI module of a root PID 1, with a shared /tmp an unprivileged user planted files in', () => {
  it('is loaded from a memory file: the planted files are neither opened, renamed nor loaded', async () => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', LOOK], {}, `${SHARED_TMP} && ${PLANT} && ${READ_ONLY_RUN}`);
    expect(r.code, r.stderr).toBe(0);
    const maps = field(r.stdout, 'maps');
    expect(maps, r.stdout).toMatch(/^\d+ \/memfd:ts-init-koffi \(deleted\)$/);
    // The planted temporary name: the same inode, untouched, still the user's.
    const [ino, mtime, owner] = field(r.stdout, 'planted tmp before').split(' ');
    expect(field(r.stdout, 'planted tmp now')).toBe(`${ino} ${mtime} ${owner} planted`);
    expect(owner).toBe('nobody');
    // The planted module name: still the user's file, and nothing new in /tmp.
    const [finalIno] = field(r.stdout, 'planted final before').split(' ');
    expect(field(r.stdout, 'final now')).toBe(`${finalIno} nobody 666 1`);
    expect(field(r.stdout, 'tmp')).toBe(`${NAME} ${NAME}.1.tmp`);
  });

  it('with no interpreter for a memory file: written to a new file only root can write, and that inode is loaded', async () => {
    const noInterpreter = 'mount --bind /dev/null /usr/bin/perl && mount --bind /dev/null /usr/bin/python3';
    const r = await runAsPid1(['--', '/bin/sh', '-c', LOOK], {}, `${SHARED_TMP} && ${PLANT} && ${noInterpreter} && ${READ_ONLY_RUN}`);
    expect(r.code, r.stderr).toBe(0);
    const [mappedIno, mappedPath] = field(r.stdout, 'maps').split(' ');
    expect(mappedPath, r.stdout).toBe(`/tmp/${NAME}`);
    // What PID 1 mapped is root's own new file (mode 0500, one link), not an inode the user planted.
    const [plantedTmpIno, mtime] = field(r.stdout, 'planted tmp before').split(' ');
    const [plantedFinalIno] = field(r.stdout, 'planted final before').split(' ');
    expect(field(r.stdout, 'final now')).toBe(`${mappedIno} root 500 1`);
    expect([plantedTmpIno, plantedFinalIno]).not.toContain(mappedIno);
    expect(field(r.stdout, 'planted tmp now')).toBe(`${plantedTmpIno} ${mtime} nobody planted`);
  });

  // Found copies that pass the owner checks: what decides is their content and their mount.
  const ALL_MAPPED = `grep koffi /proc/1/maps | ${MAPPED} | sort -u`;

  it("a root's copy of the module's size whose content differs is not loaded", async () => {
    // One byte changed in the middle, where a compare that stopped early would not look.
    const altered = `install -m 0500 ${KOFFI} /tmp/${NAME} && printf X | dd of=/tmp/${NAME} bs=1 seek=1000000 conv=notrunc status=none`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', ALL_MAPPED], {}, `${SHARED_TMP} && ${altered} && ${READ_ONLY_RUN}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n'), r.stdout).toEqual([expect.stringMatching(/^\d+ \/memfd:ts-init-koffi \(deleted\)$/)]);
  });

  it("root's own copy on a noexec mount is passed over: nothing of it is mapped", async () => {
    const onNoexec = `install -m 0500 ${KOFFI} /dev/shm/${NAME}`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', ALL_MAPPED], {}, `${SHARED_TMP} && ${onNoexec} && ${READ_ONLY_RUN}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n'), r.stdout).toEqual([expect.stringMatching(/^\d+ \/memfd:ts-init-koffi \(deleted\)$/)]);
  });

  it('beside the executable, a copy another user can write is not loaded, even with the right content', async () => {
    // The engines bind the module beside the binary; here one a user owns and may rewrite at will.
    const beside = `${PINNED_TS_INIT.replace(/[^/]+$/, '')}${NAME}`;
    const plantBeside = `cp ${KOFFI} ${beside} && chown 65534:65534 ${beside} && chmod 666 ${beside}`;
    const look = `grep -m1 'r-xp.*koffi' /proc/1/maps | ${MAPPED}; stat -c '%i' ${beside}`;
    const r = await runAsPid1(['--', '/bin/sh', '-c', look], {}, plantBeside);
    expect(r.code, r.stderr).toBe(0);
    const [mapped, besideIno] = r.stdout.trim().split('\n');
    const [mappedIno, mappedPath] = mapped!.split(' ');
    expect(mappedPath, r.stdout).not.toBe(beside);
    expect(mappedIno).not.toBe(besideIno);
  });

  // As an engine binds the installed module: root's file, mode 0444 (no execute bit), on a
  // read-only bind, while every place ts-init could write is noexec or shared.
  const BESIDE = `${PINNED_TS_INIT.replace(/[^/]+$/, '')}${NAME}`;
  const bindBeside = (options: string) =>
    `install -o 0 -g 0 -m 0444 ${KOFFI} /run/.module && touch ${BESIDE} && mount --bind /run/.module ${BESIDE} && mount -o remount,bind,${options} ${BESIDE} && ${READ_ONLY_RUN}`;
  const lookBeside = `grep -m1 'r-xp.*koffi' /proc/1/maps | ${MAPPED}; stat -c '%i' ${BESIDE}`;

  it("beside the executable, root's read-only copy without an execute bit is loaded, that very inode", async () => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', lookBeside], {}, `${SHARED_TMP} && ${PLANT} && ${bindBeside('ro')}`);
    expect(r.code, r.stderr).toBe(0);
    const [mapped, besideIno] = r.stdout.trim().split('\n');
    expect(mapped, r.stdout).toBe(`${besideIno} ${BESIDE}`);
  });

  it('beside the executable, a copy on a noexec mount is passed over, not mapped', async () => {
    const r = await runAsPid1(['--', '/bin/sh', '-c', lookBeside], {}, `${SHARED_TMP} && ${PLANT} && ${bindBeside('ro,noexec')}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')[0], r.stdout).toMatch(/^\d+ \/memfd:ts-init-koffi \(deleted\)$/);
  });
});
