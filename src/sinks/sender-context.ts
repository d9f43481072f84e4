// What the journal says about the process that sent a message: _COMM, _EXE, _CMDLINE from
// /proc, and which unit it belongs to (_SYSTEMD_UNIT, asked of the supervisor). Cached per pid
// for MAX_AGE_MS, at most MAX_ENTRIES pids (journald's client context cache does the same),
// so a flood costs /proc reads once per sender, not once per message. Reads are bounded.
import * as fs from 'node:fs';

export interface SenderContext {
  comm?: string;
  exe?: string;
  cmdline?: string;
  unit?: string;
}

const MAX_AGE_MS = 5000;
const MAX_ENTRIES = 256;
const CMDLINE_MAX_BYTES = 4096;

function readBounded(file: string, max: number): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(max);
    const n = fs.readSync(fd, buf, 0, max, null);
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** A process's context from /proc (nothing for a pid that is gone). */
export function readProcContext(pid: number): Omit<SenderContext, 'unit'> {
  const out: Omit<SenderContext, 'unit'> = {};
  const comm = readBounded(`/proc/${pid}/comm`, 64);
  if (comm && comm.length > 0) out.comm = comm.toString('utf8').replace(/\n$/, '');
  try {
    out.exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // a kernel thread, a zombie, or gone
  }
  const cmd = readBounded(`/proc/${pid}/cmdline`, CMDLINE_MAX_BYTES);
  if (cmd && cmd.length > 0) {
    let end = cmd.length;
    while (end > 0 && cmd[end - 1] === 0) end--;
    out.cmdline = cmd.toString('utf8', 0, end).replace(/\0/g, ' ');
  }
  return out;
}

export class SenderContexts {
  private readonly cache = new Map<number, { at: number; context: SenderContext }>();

  constructor(
    private readonly unitOf: (pid: number) => string | undefined,
    private readonly read: (pid: number) => Omit<SenderContext, 'unit'> = readProcContext,
    private readonly now: () => number = Date.now,
  ) {}

  get(pid: number): SenderContext {
    const t = this.now();
    const hit = this.cache.get(pid);
    if (hit && t - hit.at < MAX_AGE_MS) return hit.context;
    this.cache.delete(pid);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    const unit = this.unitOf(pid);
    const context: SenderContext = { ...this.read(pid), ...(unit !== undefined && { unit }) };
    this.cache.set(pid, { at: t, context });
    return context;
  }
}
