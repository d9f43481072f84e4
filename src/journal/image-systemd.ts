// Which systemd the image's own journal readers are, as far as journalctl's output differs by
// it: libsystemd's soname minor (libsystemd.so.0.35.0 is 252's, 0.37.0 254's, 0.40.0 257's;
// one more per release) in the image's multiarch library directories. journalctl 254 and later
// print __SEQNUM and __SEQNUM_ID in -o json; 252 does not.
import * as fs from 'node:fs';

/** libsystemd's soname minor of systemd 252; each release since added one. */
const MINOR_OF_252 = 35;

/** The systemd release a libsystemd file name belongs to (undefined: not libsystemd.so.0.N.M). */
export function releaseOfLibsystemd(name: string): number | undefined {
  const m = /^libsystemd\.so\.0\.(\d+)\.\d+$/.exec(name);
  return m ? 252 + Number(m[1]) - MINOR_OF_252 : undefined;
}

/** The newest systemd release whose libsystemd the image has (undefined: none found). */
export function imageSystemdRelease(libRoot = '/usr/lib'): number | undefined {
  let best: number | undefined;
  const dirs = [libRoot];
  try {
    for (const d of fs.readdirSync(libRoot)) if (d.endsWith('-linux-gnu') || /-linux-gnu\w+$/.test(d)) dirs.push(`${libRoot}/${d}`);
  } catch {
    return undefined;
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const r = releaseOfLibsystemd(n);
      if (r !== undefined && (best === undefined || r > best)) best = r;
    }
  }
  return best;
}

/** Whether the image's journalctl prints __SEQNUM and __SEQNUM_ID (254 on). */
export function printsSeqnum(release: number | undefined): boolean {
  return release !== undefined && release >= 254;
}
