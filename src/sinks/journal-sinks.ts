// What reaches the journal and how each entry is made, as journald makes it: the syslog
// datagrams of /dev/log, the native protocol's (sd_journal_send, with its sealed-memfd form),
// the stream protocol's lines (systemd-cat, sd_journal_stream_fd), every unit's stdout and
// stderr lines, and ts-init's own. Each entry gets its trusted fields here (_PID, _UID, _GID,
// _COMM, _EXE, _CMDLINE, _CAP_EFFECTIVE, _SYSTEMD_UNIT, _SYSTEMD_INVOCATION_ID, _STREAM_ID,
// _SOURCE_REALTIME_TIMESTAMP, _TRANSPORT, _HOSTNAME, _RUNTIME_SCOPE; the writer adds _BOOT_ID
// and _MACHINE_ID), a client's own "_" fields never. Per sender unit (else per uid): LogLevelMax=,
// the rate limit (journald.conf's RateLimitIntervalSec=/RateLimitBurst=) with journald's
// "Suppressed N messages from UNIT" line, LogExtraFields=; and, where a syslog daemon listens,
// ForwardToSyslog=. Nothing received is executed or used as a path.
import * as fs from 'node:fs';
import { type FieldValue, SharedFields } from '../journal/entry';
import { textFields } from '../journal/entry-frames';
import { parseNativeMessage } from '../journal/native-message';
import { RateLimiter } from '../journal/rate-limit';
import { LOG_INFO, parseSyslogDatagram, syslogHead } from '../journal/syslog-message';
import type { ReceivedDatagram } from '../sockets/datagram-sockets';
import { isSealedMemfd } from '../sys/libc';
import { urandomHex } from '../sys/urandom';
import type { Fields } from './journal-feed';
import type { SenderContext, SenderContexts } from './sender-context';

/** The largest entry taken from a memfd (journald takes more; it is read whole). */
export const MEMFD_MAX_BYTES = 2 << 20;

export type Transport = 'syslog' | 'journal' | 'stdout' | 'driver';

/** What a unit's directives say about its log lines. */
export interface UnitLogSettings {
  /** SyslogIdentifier=, else the name of the program ExecStart= runs. */
  identifier: string;
  /** SyslogFacility= (the facility number, not shifted). */
  facility: number;
  /** SyslogLevel=. */
  level: number;
  /** SyslogLevelPrefix=. */
  levelPrefix: boolean;
  /** LogLevelMax=: entries less important than this are dropped. */
  levelMax?: number;
  /** LogExtraFields=. */
  extraFields: ReadonlyArray<readonly [string, string]>;
  mainPid?: number;
  /** The run's INVOCATION_ID (_SYSTEMD_INVOCATION_ID). */
  invocation?: string;
}

export interface Sender {
  pid: number;
  uid: number;
  gid: number;
}

export interface SinkDeps {
  submit: (fields: Fields) => void;
  /**
   * An entry as entry-frames.ts's textFields: a unit's lines go this way when given, their
   * fixed fields made once per unit run (PID 1 runs interpreted, where each line's dozen
   * fields and their frame were most of its cost per line).
   */
  submitText?: (fieldsText: string) => void;
  /**
   * An entry of its own fields and fields shared with others alike, made once (a unit's lines'
   * fixed fields): for a store in this process (the writer's), which then neither makes nor
   * parses text per entry and finds the shared fields' data objects once. Preferred to submitText.
   */
  submitShared?: (own: Fields, shared: SharedFields) => void;
  contexts: Pick<SenderContexts<unknown>, 'get'>;
  unitSettings: (unit: string) => UnitLogSettings | undefined;
  hostname: string;
  rateLimit: { intervalMs: number; burst: number };
  /** ForwardToSyslog=: hands a formatted datagram on, when a syslog daemon listens. */
  forward?: { listening(): boolean; send(datagram: Buffer): void };
  /** The container log, for what clients send (a unit's pipe lines are shown by ServiceOutput itself). */
  console?: (fields: Fields) => void;
  now?: () => number;
  /** PID 1's pid, for the lines it makes itself (_PID of "Suppressed ..."): this process's unless given (the writer's is its parent). */
  ownPid?: number;
}

/** What journald (systemd 254 on) writes on every entry of the system's journal. */
export const RUNTIME_SCOPE: [string, string] = ['_RUNTIME_SCOPE', 'system'];

/** A stream's _STREAM_ID: 128 random bits, one per connection (journald's), one per unit run here. */
export function newStreamId(): string {
  return urandomHex(16);
}

/** A field value as a client's bytes (latin1 text holds one byte per character). */
const bytes = (latin1: string): Buffer => Buffer.from(latin1, 'latin1');
const NOT_ASCII = /[^\x00-\x7f]/;
const NO_CONTEXT: SenderContext = {};

/** A sender's trusted fields as frame text, for as long as its credentials, context, unit settings and transport are these. */
interface SenderTemplate {
  transport: Transport;
  uid: number;
  gid: number;
  context: SenderContext;
  settings: UnitLogSettings | undefined;
  /** The trusted fields' lines with the frame's empty line; undefined where a value cannot be text. */
  tail: string | undefined;
  /** The same fields, for submitShared. */
  shared: SharedFields;
  /** Of them, what the container log's line and a forwarded datagram read (_PID, _COMM, _SYSTEMD_UNIT). */
  shown: Array<[string, FieldValue]>;
}
/** Senders whose trusted fields are kept as text (as many as their contexts, sender-context.ts). */
const MAX_SENDER_TEMPLATES = 256;

/** A unit's lines' fixed fields as frame text, for as long as its settings and its process's context are these. */
interface UnitTemplate {
  settings: UnitLogSettings | undefined;
  context: SenderContext;
  pid: number | undefined;
  /** The lines between PRIORITY's and MESSAGE's, and those after MESSAGE's; undefined where a value cannot be text. */
  text: { head: string; tail: string } | undefined;
  /** The same fields, for submitShared. */
  shared: SharedFields;
}

/** PRIORITY's field for each level (a unit's line carries one of these, not one made per line). */
const PRIORITY_FIELDS: ReadonlyArray<readonly [string, string]> = ['0', '1', '2', '3', '4', '5', '6', '7'].map((l) => ['PRIORITY', l] as const);

export class JournalSinks {
  private readonly limiter: RateLimiter;
  private readonly now: () => number;
  /** Datagrams refused (unsealed memfds, descriptors where none belong), for tests. */
  refused = 0;
  /** Per unit, the stream id of its current run's output (its pipe stands for journald's stream). */
  private readonly unitStreams = new Map<string, { invocation: string | undefined; id: string }>();
  private readonly unitTemplates = new Map<string, UnitTemplate>();
  private readonly senderTemplates = new Map<number, SenderTemplate>();

  constructor(private readonly deps: SinkDeps) {
    this.limiter = new RateLimiter(deps.rateLimit.intervalMs, deps.rateLimit.burst);
    this.now = deps.now ?? Date.now;
  }

  /** Whether the sender is over its rate limit already (counted; its datagram is not even parsed). */
  private overLimit(sender: Sender | undefined): boolean {
    const unit = sender && sender.pid > 0 ? this.deps.contexts.get(sender.pid).unit : undefined;
    return this.limiter.refuseIfOver(unit ?? `uid ${sender?.uid ?? 0}`, this.now());
  }

  /** One datagram of /dev/log. */
  syslogDatagram(d: ReceivedDatagram): void {
    if (d.data.length === 0 || this.overLimit(d.sender)) return;
    const text = d.data.toString('latin1');
    const m = parseSyslogDatagram(text);
    // ASCII is the same bytes as text: kept as strings, the entry goes to the writer as a text
    // frame (journal-feed.ts); other bytes are kept exactly as they came.
    const value: (latin1: string) => FieldValue = NOT_ASCII.test(text) ? bytes : (t) => t;
    const fields: Array<[string, FieldValue]> = [
      ['PRIORITY', String(m.priority & 7)],
      ['SYSLOG_FACILITY', String(m.priority >> 3)],
    ];
    if (m.identifier !== undefined) fields.push(['SYSLOG_IDENTIFIER', value(m.identifier)]);
    if (m.pid !== undefined) fields.push(['SYSLOG_PID', value(m.pid)]);
    if (m.timestamp !== undefined) fields.push(['SYSLOG_TIMESTAMP', m.timestamp]);
    fields.push(['MESSAGE', value(m.message)], this.sourceRealtime());
    this.store(fields, m.priority & 7, 'syslog', d.sender, undefined, d.data);
  }

  /** One datagram of the native socket: its fields, or (empty, with one descriptor) a sealed memfd holding them. */
  nativeDatagram(d: ReceivedDatagram): void {
    if (this.overLimit(d.sender)) return;
    const read = d.fds.length > 0 ? withMemfdRead(d) : d;
    if (!read) {
      this.refused++;
      return;
    }
    const data = read.data;
    if (data.length === 0) return;
    const m = parseNativeMessage(data);
    if (m.fields.length === 0) return;
    const pri = m.fields.find(([n]) => n === 'PRIORITY')?.[1];
    const level = pri !== undefined && /^[0-7]$/.test(Buffer.from(pri).toString('latin1')) ? Number(Buffer.from(pri).toString('latin1')) : LOG_INFO;
    this.store([...m.fields, this.sourceRealtime()], level, 'journal', d.sender);
  }

  /**
   * One line of a stream connection (its header already read), `streamId` the connection's. As
   * journald's: SYSLOG_FACILITY only when the header's priority has a facility (systemd-cat's
   * has none).
   */
  streamLine(line: string, priority: number, identifier: string | undefined, sender: Sender | undefined, streamId: string): void {
    const fields: Array<[string, FieldValue]> = [['PRIORITY', String(priority & 7)]];
    if (priority >> 3 !== 0) fields.push(['SYSLOG_FACILITY', String(priority >> 3)]);
    if (identifier !== undefined) fields.push(['SYSLOG_IDENTIFIER', identifier]);
    fields.push(['MESSAGE', line], ['_STREAM_ID', streamId]);
    this.store(fields, priority & 7, 'stdout', sender);
  }

  /** When the datagram was taken (journald's is the socket's SO_TIMESTAMP). */
  private sourceRealtime(): [string, string] {
    return ['_SOURCE_REALTIME_TIMESTAMP', String(Math.round(this.now() * 1000))];
  }

  /** The unit's current run's stream id (a new one with each INVOCATION_ID). */
  private unitStreamId(unit: string, invocation: string | undefined): string {
    const cur = this.unitStreams.get(unit);
    if (cur && cur.invocation === invocation) return cur.id;
    const id = newStreamId();
    this.unitStreams.set(unit, { invocation, id });
    return id;
  }

  /**
   * One line a unit printed on its stdout or stderr (its pipe is ts-init's own, or its stream the
   * writer's). processPid: the process the stream was made for, whose _PID and context the line
   * gets while the unit has no main pid (ExecStartPre=, or before the main pid is known).
   */
  unitLine(unit: string, line: string, processPid?: number): void {
    const s = this.deps.unitSettings(unit);
    let level = s?.level ?? LOG_INFO;
    let message = line;
    // SyslogLevelPrefix=: "<N>" at the start (compared by character: this runs for every line).
    if ((s?.levelPrefix ?? true) && line.charCodeAt(0) === 0x3c && line.charCodeAt(2) === 0x3e) {
      const d = line.charCodeAt(1) - 0x30;
      if (d >= 0 && d <= 7) {
        level = d;
        message = line.slice(3);
      }
    }
    const submitText = this.deps.submitText;
    const submitShared = this.deps.submitShared;
    if (submitShared !== undefined && !this.deps.forward?.listening()) {
      if (s?.levelMax !== undefined && level > s.levelMax) return;
      if (!this.admitted(unit, unit)) return;
      submitShared([PRIORITY_FIELDS[level], ['MESSAGE', message]], this.unitTemplate(unit, s, processPid).shared);
      return;
    }
    if (submitText !== undefined && !this.deps.forward?.listening()) {
      const text = this.unitTemplate(unit, s, processPid).text;
      if (text !== undefined) {
        if (s?.levelMax !== undefined && level > s.levelMax) return;
        if (!this.admitted(unit, unit)) return;
        submitText(`PRIORITY=${level}\n${text.head}MESSAGE=${message}\n${text.tail}`);
        return;
      }
    }
    const fields: Array<[string, FieldValue]> = [['PRIORITY', String(level)], ...this.unitHead(unit, s), ['MESSAGE', message], ['_STREAM_ID', this.unitStreamId(unit, s?.invocation)]];
    const pid = s?.mainPid ?? processPid;
    this.store(fields, level, 'stdout', undefined, { unit, ...(pid !== undefined && { pid }) });
  }

  /** SYSLOG_FACILITY and SYSLOG_IDENTIFIER of a unit's lines. */
  private unitHead(unit: string, s: UnitLogSettings | undefined): Array<[string, FieldValue]> {
    return [
      ['SYSLOG_FACILITY', String(s?.facility ?? 3)],
      ['SYSLOG_IDENTIFIER', s?.identifier ?? unit.replace(/\.service$/, '')],
    ];
  }

  /** The unit's lines' fixed fields, made again when its settings or its main process's context (cached per pid) change. */
  private unitTemplate(unit: string, s: UnitLogSettings | undefined, processPid: number | undefined): UnitTemplate {
    const pid = s?.mainPid ?? processPid;
    const context = pid !== undefined && pid > 0 ? this.deps.contexts.get(pid) : NO_CONTEXT;
    const cur = this.unitTemplates.get(unit);
    if (cur !== undefined && cur.settings === s && cur.context === context && cur.pid === pid) return cur;
    const headFields = this.unitHead(unit, s);
    const tailFields: Array<[string, FieldValue]> = [['_STREAM_ID', this.unitStreamId(unit, s?.invocation)], ...this.trusted('stdout', undefined, context, unit, s, pid)];
    const head = this.deps.submitText !== undefined ? textFields(headFields) : undefined;
    const tail = this.deps.submitText !== undefined ? textFields(tailFields) : undefined;
    const t: UnitTemplate = { settings: s, context, pid, text: head !== undefined && tail !== undefined ? { head, tail } : undefined, shared: new SharedFields([...headFields, ...tailFields]) };
    this.unitTemplates.set(unit, t);
    return t;
  }

  /**
   * ts-init's own line, about `unit` when given (systemd's own say "UNIT: ..." and carry UNIT=),
   * or a job's line (`job`: its MESSAGE_ID, JOB_TYPE, INVOCATION_ID; its message in systemd's words, as is).
   */
  own(priority: number, message: string, unit?: string, job?: Fields): void {
    const extra = job ?? [];
    this.deps.submit([
      ['PRIORITY', String(priority)],
      ['SYSLOG_FACILITY', '3'],
      ['SYSLOG_IDENTIFIER', 'ts-init'],
      ['MESSAGE', unit === undefined || job !== undefined || message.startsWith(unit) ? message : `${unit}: ${message}`],
      ...(unit !== undefined ? [['UNIT', unit] as const] : []),
      ...extra,
      ['_PID', String(process.pid)],
      ['_UID', '0'],
      ['_GID', '0'],
      ['_COMM', 'ts-init'],
      // Where journald puts PID 1: journalctl 257's -u finds PID 1's lines about a unit by
      // _SYSTEMD_CGROUP=/init.scope and UNIT= (252's by _PID=1 and UNIT=).
      ['_SYSTEMD_CGROUP', '/init.scope'],
      ['_SYSTEMD_UNIT', 'init.scope'],
      ['_SYSTEMD_SLICE', '-.slice'],
      ['_TRANSPORT', 'driver'],
      ['_HOSTNAME', this.deps.hostname],
      RUNTIME_SCOPE,
    ]);
  }

  private store(fields: Array<[string, FieldValue]>, level: number, transport: Transport, sender: Sender | undefined, of?: { unit: string; pid?: number }, raw?: Buffer): void {
    const pid = sender?.pid ?? of?.pid;
    const ctx = pid !== undefined && pid > 0 ? this.deps.contexts.get(pid) : NO_CONTEXT;
    const unit = of?.unit ?? ctx.unit;
    const settings = unit !== undefined ? this.deps.unitSettings(unit) : undefined;
    if (settings?.levelMax !== undefined && level > settings.levelMax) return;
    const key = unit ?? `uid ${sender?.uid ?? 0}`;
    if (!this.admitted(key, unit ?? key)) return;
    // A client's message stored in this process: its own fields and its sender's trusted ones, kept per sender.
    if (this.deps.submitShared !== undefined && sender !== undefined && sender.pid > 0) {
      const t = this.senderTemplate(transport, sender, ctx, unit, settings);
      this.deps.submitShared(fields, t.shared);
      const shown = this.deps.console || this.deps.forward ? fields.concat(t.shown) : fields;
      this.deps.console?.(shown);
      this.forward(shown, level, sender.pid, raw);
      return;
    }
    // A client's message whose own fields are text: one string, its trusted fields kept per sender.
    const own = this.deps.submitText !== undefined && sender !== undefined && sender.pid > 0 ? textFields(fields) : undefined;
    if (own !== undefined) {
      const t = this.senderTemplate(transport, sender!, ctx, unit, settings);
      if (t.tail !== undefined) {
        this.deps.submitText!(own + t.tail);
        const shown = this.deps.console || this.deps.forward ? fields.concat(t.shown) : fields;
        this.deps.console?.(shown);
        this.forward(shown, level, sender!.pid, raw);
        return;
      }
    }
    for (const f of this.trusted(transport, sender, ctx, unit, settings, pid)) fields.push(f);
    this.deps.submit(fields);
    if (of === undefined) this.deps.console?.(fields);
    this.forward(fields, level, pid, raw);
  }

  /** ForwardToSyslog=, where a syslog daemon listens: journald hands a syslog datagram on as it came; what came otherwise, as a datagram it makes. */
  private forward(fields: Fields, level: number, pid: number | undefined, raw: Buffer | undefined): void {
    if (!this.deps.forward?.listening()) return;
    if (raw) this.deps.forward.send(raw);
    else this.forwardEntry(fields, level, pid);
  }

  /** The sender's trusted fields as text, made again when its credentials, context (cached per pid), unit settings or transport change. */
  private senderTemplate(transport: Transport, sender: Sender, context: SenderContext, unit: string | undefined, settings: UnitLogSettings | undefined): SenderTemplate {
    const cur = this.senderTemplates.get(sender.pid);
    if (cur !== undefined && cur.context === context && cur.settings === settings && cur.transport === transport && cur.uid === sender.uid && cur.gid === sender.gid) return cur;
    this.senderTemplates.delete(sender.pid);
    if (this.senderTemplates.size >= MAX_SENDER_TEMPLATES) this.senderTemplates.delete(this.senderTemplates.keys().next().value!);
    const trusted = this.trusted(transport, sender, context, unit, settings, sender.pid);
    const text = textFields(trusted);
    const t: SenderTemplate = {
      transport,
      uid: sender.uid,
      gid: sender.gid,
      context,
      settings,
      tail: text,
      shared: new SharedFields(trusted),
      shown: trusted.filter(([n]) => n === '_PID' || n === '_COMM' || n === '_SYSTEMD_UNIT'),
    };
    this.senderTemplates.set(sender.pid, t);
    return t;
  }

  /** Whether the rate limit lets one more entry of `key` through now (saying first what it dropped before). */
  private admitted(key: string, who: string): boolean {
    const decision = this.limiter.test(key, this.now());
    if (!decision.pass) return false;
    if (decision.suppressedBefore > 0) this.suppressed(decision.suppressedBefore, who);
    return true;
  }

  /** The fields PID 1 vouches for, after the sender's own. */
  private trusted(transport: Transport, sender: Sender | undefined, ctx: SenderContext, unit: string | undefined, settings: UnitLogSettings | undefined, pid: number | undefined): Array<[string, FieldValue]> {
    const fields: Array<[string, FieldValue]> = [];
    if (pid !== undefined && pid > 0) fields.push(['_PID', String(pid)]);
    // A unit's own pipe has no peer credentials: its process's, as journald gets them from the stream.
    const uid = sender?.uid ?? ctx.uid;
    const gid = sender?.gid ?? ctx.gid;
    if (uid !== undefined && gid !== undefined) fields.push(['_UID', String(uid)], ['_GID', String(gid)]);
    if (ctx.comm !== undefined) fields.push(['_COMM', ctx.comm]);
    if (ctx.exe !== undefined) fields.push(['_EXE', ctx.exe]);
    if (ctx.cmdline !== undefined) fields.push(['_CMDLINE', ctx.cmdline]);
    if (ctx.capEffective !== undefined) fields.push(['_CAP_EFFECTIVE', ctx.capEffective]);
    if (unit !== undefined) fields.push(['_SYSTEMD_UNIT', unit]);
    if (settings?.invocation !== undefined) fields.push(['_SYSTEMD_INVOCATION_ID', settings.invocation]);
    fields.push(['_TRANSPORT', transport], ['_HOSTNAME', this.deps.hostname], [...RUNTIME_SCOPE]);
    for (const f of settings?.extraFields ?? []) fields.push([f[0], f[1]]);
    return fields;
  }

  /** journald's line for what a sender's rate limit dropped. */
  private suppressed(n: number, who: string): void {
    this.deps.submit([
      ['PRIORITY', '4'],
      ['SYSLOG_FACILITY', '3'],
      ['SYSLOG_IDENTIFIER', 'ts-init'],
      ['MESSAGE', `Suppressed ${n} messages from ${who}`],
      ['MESSAGE_ID', 'a596d6fe7bfa4994828e72309e95d61e'],
      ['N_DROPPED', String(n)],
      ['_PID', String(this.deps.ownPid ?? process.pid)],
      ['_TRANSPORT', 'driver'],
      ['_HOSTNAME', this.deps.hostname],
      RUNTIME_SCOPE,
    ]);
  }

  private forwardEntry(fields: ReadonlyArray<readonly [string, FieldValue]>, level: number, pid: number | undefined): void {
    const get = (name: string): Buffer | undefined => {
      const v = fields.find(([n]) => n === name)?.[1];
      return v === undefined ? undefined : typeof v === 'string' ? Buffer.from(v) : Buffer.from(v);
    };
    const message = get('MESSAGE');
    if (!message) return;
    const facility = Number(get('SYSLOG_FACILITY')?.toString('latin1') ?? '1');
    const identifier = get('SYSLOG_IDENTIFIER') ?? (get('_COMM') as Buffer | undefined);
    const syslogPid = get('SYSLOG_PID')?.toString('latin1') ?? (pid !== undefined ? String(pid) : undefined);
    const pri = ((Number.isInteger(facility) && facility >= 0 && facility < 24 ? facility : 1) << 3) | level;
    const head = syslogHead(pri, this.now());
    const tag = identifier ? Buffer.concat([identifier, Buffer.from(syslogPid !== undefined ? `[${syslogPid}]: ` : ': ')]) : Buffer.alloc(0);
    this.deps.forward!.send(Buffer.concat([Buffer.from(head), tag, message]));
  }
}

/**
 * A native datagram with its sealed memfd's contents as its data and no descriptor (for a reader
 * that keeps it past the moment its descriptors are closed), as it is when it carries none;
 * undefined when what it carries is no such memfd (refused).
 */
export function withMemfdRead(d: ReceivedDatagram): ReceivedDatagram | undefined {
  if (d.fds.length === 0) return d;
  const body = d.data.length === 0 && d.fds.length === 1 ? readSealedMemfd(d.fds[0]!) : undefined;
  return body && { data: body, ...(d.sender && { sender: d.sender }), descriptors: 0, fds: [] };
}

/** A sealed memfd's whole contents, or undefined (not sealed, not a memfd, too large). */
function readSealedMemfd(fd: number): Buffer | undefined {
  try {
    if (!isSealedMemfd(fd)) return undefined;
    const size = fs.fstatSync(fd).size;
    if (size <= 0 || size > MEMFD_MAX_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(size);
    const n = fs.readSync(fd, buf, 0, size, 0);
    return buf.subarray(0, n);
  } catch {
    return undefined;
  }
}
