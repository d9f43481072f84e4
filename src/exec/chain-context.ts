// What planning an exec chain needs to know of this machine (exec-chain.ts): which of its
// programs the image has, ts-init's own resource limits, and whether it may raise them.
import * as fs from 'node:fs';
import { getrlimit } from '../sys/libc';
import { isExecutableFile, searchPath } from '../sys/exec-path';
import type { ChainTools, LimitContext } from './exec-chain';

/** Where util-linux puts prlimit and setpriv, merged /usr or not. */
const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
const CAP_SYS_RESOURCE = 24n;

/** A larger file is no util-linux tool (setpriv and prlimit are some 40-80 KB). */
const TOOL_MAX_BYTES = 1024 * 1024;
const UTIL_LINUX = Buffer.from('util-linux');
/** File identity (device, inode, change time) -> whether it is util-linux's build. */
const verified = new Map<string, boolean>();

/**
 * Whether the file is util-linux's program: busybox has a setpriv applet too (and images link
 * it as /bin/setpriv), which knows none of the options the chain passes. util-linux's programs
 * carry their package's name in their version text. Read once per file.
 */
function isUtilLinux(p: string): boolean {
  try {
    const st = fs.statSync(p);
    const key = `${st.dev}:${st.ino}:${st.ctimeMs}`;
    let ok = verified.get(key);
    if (ok === undefined) {
      if (verified.size >= 16) verified.clear(); // upgrades leave old identities behind
      ok = st.isFile() && st.size <= TOOL_MAX_BYTES && fs.readFileSync(p).includes(UTIL_LINUX);
      verified.set(key, ok);
    }
    return ok;
  } catch {
    return false;
  }
}

/** The first of the directories' programs of that name, if it is util-linux's. */
function findTool(name: string, dirs: readonly string[]): string | undefined {
  const p = searchPath(name, dirs.join(':'), isExecutableFile);
  return p !== undefined && isUtilLinux(p) ? p : undefined;
}

/** Looked up at each launch: a package installed or removed since boot counts. */
export function chainTools(toolDirs: readonly string[] = TOOL_DIRS): ChainTools {
  return { sh: isExecutableFile('/bin/sh') ? '/bin/sh' : undefined, prlimit: findTool('prlimit', toolDirs), setpriv: findTool('setpriv', toolDirs) };
}

let canRaise: boolean | undefined;

function hasSysResource(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
  } catch {
    // Unknown: assume it may, so that a raise goes through the helper, which tries it.
    return true;
  }
}

export function limitContext(): LimitContext {
  canRaise ??= hasSysResource();
  return { current: getrlimit, canRaise };
}
