// What planning an exec chain needs to know of this machine (exec-chain.ts): which of its
// programs the image has, ts-init's own resource limits, and whether it may raise them.
import * as fs from 'node:fs';
import { getrlimit } from '../sys/libc';
import type { ChainTools, LimitContext } from './exec-chain';

/** Where util-linux puts prlimit and setpriv, merged /usr or not. */
const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
const CAP_SYS_RESOURCE = 24n;

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findTool(name: string): string | undefined {
  for (const dir of TOOL_DIRS) {
    const p = `${dir}/${name}`;
    if (executable(p)) return p;
  }
  return undefined;
}

/** Looked up at each launch: a package installed or removed since boot counts. */
export function chainTools(): ChainTools {
  return { sh: executable('/bin/sh') ? '/bin/sh' : undefined, prlimit: findTool('prlimit'), setpriv: findTool('setpriv') };
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
