// What the journal says about the process that sent a message: _COMM, _EXE, _CMDLINE,
// _CAP_EFFECTIVE (and its uid and gid, for a unit's own lines) from /proc, and which unit it belongs to (_SYSTEMD_UNIT, asked of the supervisor). Cached per pid
// for MAX_AGE_MS, at most MAX_ENTRIES pids (journald's client context cache does the same),
// so a flood costs /proc reads once per sender, not once per message. Reads are bounded.
import * as fs from 'node:fs';

export interface SenderContext {
  comm?: string;
  exe?: string;
  cmdline?: string;
  /** CapEff of /proc/PID/status, as journald writes it (hex, no leading zeros). */
  capEffective?: string;
  uid?: number;
  gid?: number;
  unit?: string;
}

const MAX_AGE_MS = 5000;
const MAX_ENTRIES = 256;
const CMDLINE_MAX_BYTES = 4096;
/** /proc/PID/status is some 1.5 KiB; CapEff, Uid and Gid are in its first half. */
const STATUS_MAX_BYTES = 4096;

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
  const status = readBounded(`/proc/${pid}/status`, STATUS_MAX_BYTES);
  if (status) Object.assign(out, statusFields(status.toString('latin1')));
  return out;
}

/** The effective capabilities, real uid and real gid of a /proc/PID/status text. */
export function statusFields(text: string): Pick<SenderContext, 'capEffective' | 'uid' | 'gid'> {
  const out: Pick<SenderContext, 'capEffective' | 'uid' | 'gid'> = {};
  const cap = /^CapEff:\s*([0-9a-f]+)$/m.exec(text)?.[1];
  if (cap !== undefined) out.capEffective = cap.replace(/^0+(?=.)/, '');
  const uid = /^Uid:\s*(\d+)/m.exec(text)?.[1];
  if (uid !== undefined) out.uid = Number(uid);
  const gid = /^Gid:\s*(\d+)/m.exec(text)?.[1];
  if (gid !== undefined) out.gid = Number(gid);
  return out;
}

/**
 * `first` is read of the sender before anything else (its /proc/PID/stat: parent and session),
 * and handed to `unitOf`: a sender that exits right after sending (sshd's per-connection
 * process) is then still found in its unit while its parent lives, even once it is gone.
 */
export class SenderContexts<S = undefined> {
  private readonly cache = new Map<number, { at: number; context: SenderContext }>();
  /** /proc read ahead of the unit's answer (readEarly), for get() to use instead of reading again. */
  private readonly early = new Map<number, { at: number; proc: Omit<SenderContext, 'unit'> }>();

  constructor(
    private readonly unitOf: (pid: number, first: S | undefined) => string | undefined,
    private readonly read: (pid: number) => Omit<SenderContext, 'unit'> = readProcContext,
    private readonly now: () => number = Date.now,
    private readonly first: (pid: number) => S | undefined = () => undefined,
  ) {}

  get(pid: number): SenderContext {
    const t = this.now();
    const hit = this.cache.get(pid);
    if (hit && t - hit.at < MAX_AGE_MS) return hit.context;
    this.cache.delete(pid);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    const first = this.first(pid);
    const ahead = this.early.get(pid);
    if (ahead) this.early.delete(pid);
    const proc = ahead && t - ahead.at < MAX_AGE_MS ? ahead.proc : this.read(pid);
    const unit = this.unitOf(pid, first);
    const context: SenderContext = { ...proc, ...(unit !== undefined && { unit }) };
    this.cache.set(pid, { at: t, context });
    return context;
  }

  /**
   * Reads the sender's /proc now, while it surely runs, for the get() that comes once its unit is
   * known (the journal's writer asks PID 1 which unit it is in, and a sender that sends and ends
   * may be gone by the answer). Nothing when its context is cached already.
   */
  readEarly(pid: number): void {
    const t = this.now();
    const hit = this.cache.get(pid);
    const ahead = this.early.get(pid);
    if ((hit && t - hit.at < MAX_AGE_MS) || (ahead && t - ahead.at < MAX_AGE_MS)) return;
    this.early.delete(pid);
    if (this.early.size >= MAX_ENTRIES) this.early.delete(this.early.keys().next().value!);
    this.early.set(pid, { at: t, proc: this.read(pid) });
  }
}
