// The journalctl front: when the executable is invoked as `journalctl` (an image without
// systemd's), it reads the journal files the store writes (and journald's own), with systemd
// 252's options, output and exit codes (docs/differences-from-systemd.md says what differs). It never
// loads the supervisor: the journal's reader and its pure parts only.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_SEARCH_PATH, isExecutableFile, searchPath } from '../sys/exec-path';
import { fnmatch, hasWildcard } from '../sys/fnmatch';
import { parseTimespan } from '../units/timespan';
import { VERSION } from '../version';
import { type BootSpec, type JournalctlOptions, matchGroups, pagerCommand, parseJournalctlArgs } from './journalctl-args';
import { formatBytes, formatEntry, fullTimestamp, showsBootSeparator } from './journalctl-format';
import { journalctlHelp } from './journalctl-help';
import { parseJournalTime } from './journalctl-time';
import { currentBootId, filesIn, followAppended, localJournalFiles, openSources, type Source } from './journal-sources';
import { id128Hex } from './format';
import { imageSystemdRelease, printsSeqnum } from './image-systemd';
import { mayHoldWithin, positionsToShow, selectOffsets } from './journal-query';
import { tailAcross } from './unit-tail';


class Failure extends Error {}

/**
 * Output to fd 1 or into the pager's stdin, buffered. A closed pipe ends the program quietly
 * (fd 1), or ends the output (the pager was quit), as journalctl's SIGPIPE does.
 */
class Out {
  private chunks: Buffer[] = [];
  private size = 0;
  /** The pager has gone (quit before the end): nothing more is written. */
  gone = false;
  constructor(private readonly pager?: ChildProcess) {
    pager?.stdin?.on('error', () => {
      this.gone = true;
    });
    pager?.on('error', () => {
      this.gone = true;
    });
  }
  write(b: Buffer | string): void {
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    this.chunks.push(buf);
    this.size += buf.length;
    if (this.size >= 64 * 1024) this.flush();
  }
  flush(): void {
    if (this.size === 0) return;
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    if (!this.pager) writeAll(1, all);
    else if (!this.gone) this.pager.stdin!.write(all);
  }
  /** Whether the pager has more than it reads yet: the caller waits (drain) before printing on. */
  get needsDrain(): boolean {
    return !!this.pager && !this.gone && this.pager.stdin!.writableNeedDrain;
  }
  async drain(): Promise<void> {
    const stdin = this.pager?.stdin;
    if (!stdin || this.gone || !stdin.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      stdin.once('drain', resolve);
      stdin.once('close', resolve);
      stdin.once('error', resolve);
    });
  }
  /** Writes what is left and, with a pager, ends its input and waits until it exits. */
  async close(): Promise<void> {
    this.flush();
    const pager = this.pager;
    if (!pager) return;
    if (pager.exitCode !== null || pager.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      pager.once('exit', () => resolve());
      pager.once('error', () => resolve());
      pager.stdin!.end();
    });
  }
}

function writeAll(fd: number, b: Buffer): void {
  let done = 0;
  while (done < b.length) {
    try {
      done += fs.writeSync(fd, b, done, b.length - done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') process.exit(0);
      throw e;
    }
  }
}

function listFiles(o: JournalctlOptions): string[] {
  if (o.files.length) {
    for (const f of o.files) if (!fs.existsSync(f)) throw new Failure('Failed to open files: No such file or directory');
    return o.files;
  }
  if (o.directories.length) {
    const out: string[] = [];
    for (const d of o.directories) {
      try {
        out.push(...filesIn(d));
      } catch (e) {
        throw new Failure(`Failed to open ${d}: ${errnoText(e)}`);
      }
    }
    return out;
  }
  return localJournalFiles();
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'ENOTDIR' ? 'Not a directory' : (e as Error).message;
}

interface Boot {
  id: string;
  first: number;
  last: number;
}

/** The boots of the journal, oldest first, with their first and last entries' times. */
function listBoots(sources: readonly Source[]): Boot[] {
  const byId = new Map<string, Boot>();
  for (const { reader } of sources) {
    for (const v of reader.fieldValues('_BOOT_ID', true)) {
      if (v.first === undefined || v.last === undefined) continue;
      const id = v.value.toString('latin1');
      const first = reader.realtimeAt(v.first);
      const last = reader.realtimeAt(v.last);
      const b = byId.get(id);
      if (!b) byId.set(id, { id, first, last });
      else {
        b.first = Math.min(b.first, first);
        b.last = Math.max(b.last, last);
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.first - b.first);
}

function resolveBoot(spec: BootSpec, sources: readonly Source[], local: boolean): string {
  if (local && !spec.id && spec.offset === 0) {
    const current = currentBootId();
    if (current) return current; // no /proc: the journal's last boot
  }
  const boots = listBoots(sources);
  let index: number;
  if (spec.id) {
    const at = boots.findIndex((b) => b.id === id128Hex(spec.id!));
    index = at < 0 ? -1 : at + spec.offset;
  } else index = spec.offset <= 0 ? boots.length - 1 + spec.offset : spec.offset - 1;
  const boot = boots[index];
  if (!boot) throw new Failure(`Data from the specified boot (${spec.text}) is not available: No such boot ID in journal`);
  return boot.id;
}

/** -u's patterns against the unit names the journal holds. */
function expandUnits(patterns: readonly string[], sources: readonly Source[]): string[] {
  const units = new Set<string>();
  const globs = patterns.filter(hasWildcard);
  for (const p of patterns) if (!globs.includes(p)) units.add(p);
  if (globs.length) {
    for (const { reader } of sources) {
      for (const field of ['_SYSTEMD_UNIT', 'COREDUMP_UNIT', 'UNIT', 'OBJECT_SYSTEMD_UNIT']) {
        for (const v of reader.fieldValues(field)) {
          const name = v.value.toString('utf8');
          if (globs.some((g) => fnmatch(g, name))) units.add(name);
        }
      }
    }
  }
  return [...units].sort();
}

interface Query {
  groups: string[][][];
  since?: number;
  until?: number;
}

/** The selected entries of all files as one list (files in reading order), with positions by time. */
class Selection {
  private readonly starts: number[] = [];
  readonly length: number;
  constructor(readonly parts: ReadonlyArray<{ s: Source; offsets: number[] }>) {
    let n = 0;
    for (const p of parts) {
      this.starts.push(n);
      n += p.offsets.length;
    }
    this.length = n;
  }
  at(i: number): [Source, number] {
    let k = this.starts.length - 1;
    while (this.starts[k]! > i) k--;
    const p = this.parts[k]!;
    return [p.s, p.offsets[i - this.starts[k]!]!];
  }
  realtime(i: number): number {
    const [s, o] = this.at(i);
    return s.reader.realtimeAt(o);
  }
  /** The first position whose entry is at or after `usec` (the journal is in time order). */
  firstAtOrAfter(usec: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.realtime(mid) < usec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Prints entries, with "-- Boot ID --" where the boot changes; returns how many were printed. */
class Printer {
  private previousBoot: string | undefined;
  /** Whether -o json* shows __SEQNUM (the image's journalctl's release decides; looked at once). */
  private seqnum: boolean | undefined;
  shown = 0;
  constructor(
    private readonly out: Out,
    private readonly o: JournalctlOptions,
  ) {}
  print(src: Source, offset: number): void {
    const e = src.reader.readEntry(offset);
    if (this.seqnum === undefined) this.seqnum = this.o.output.startsWith('json') && printsSeqnum(imageSystemdRelease());
    const text = formatEntry({ ...e, seqnumId: src.reader.seqnumId }, { mode: this.o.output, all: this.o.all, utc: this.o.utc, seqnum: this.seqnum });
    const boot = id128Hex(e.bootId);
    if (!this.o.quiet && showsBootSeparator(this.o.output) && this.previousBoot !== undefined && boot !== this.previousBoot) this.out.write(`-- Boot ${boot} --\n`);
    this.previousBoot = boot;
    if (text) {
      this.out.write(text);
      this.shown++;
    }
  }
}

async function showEntries(o: JournalctlOptions, sources: Source[], q: Query, out: Out): Promise<void> {
  const printer = new Printer(out, o);
  // Only the last N can be shown (252 walks back N from the end): each file's end, newest file first.
  const tailOnly = o.lines !== undefined && (o.reverse ? q.until === undefined : q.since === undefined);
  let parts: Array<{ s: Source; offsets: number[] }>;
  if (tailOnly) {
    parts = [];
    for (const [s, x] of tailAcross(sources, q.groups, o.lines!)) {
      const last = parts[parts.length - 1];
      if (last?.s === s) last.offsets.push(x);
      else parts.push({ s, offsets: [x] });
    }
  } else parts = sources.filter((s) => mayHoldWithin(s.reader, q)).map((s) => ({ s, offsets: selectOffsets(s.reader, q.groups) }));
  const sel = new Selection(parts);
  // -f goes on after each file's last entry now (offsets only grow within a file).
  const lastSeen = new Map<string, number>();
  if (o.follow) for (const s of sources) lastSeen.set(s.key, s.reader.lastEntryOffset());
  for (const i of positionsToShow(sel, o, q)) {
    printer.print(...sel.at(i));
    if (out.needsDrain) {
      out.flush();
      await out.drain();
    }
    if (out.gone) return;
  }
  if (printer.shown === 0 && !o.quiet && !o.follow && showsBootSeparator(o.output)) out.write('-- No entries --\n');
  out.flush();
  if (o.follow) follow(o, sources, q, out, printer, lastSeen);
}

/** -f: polls the files (new ones too: a rotation's next file) and prints what was appended. */
function follow(o: JournalctlOptions, sources: Source[], q: Query, out: Out, printer: Printer, lastSeen: Map<string, number>): void {
  const seen = new Set(sources.map((s) => s.key));
  followAppended(
    () => listFiles(o),
    sources,
    seen,
    q.groups,
    lastSeen,
    (s, x) => {
      if (q.until === undefined || s.reader.realtimeAt(x) <= q.until) printer.print(s, x);
    },
    () => out.flush(),
  );
}

function showField(name: string, sources: readonly Source[], out: Out): void {
  const seen = new Set<string>();
  for (const { reader } of sources) {
    for (const v of reader.fieldValues(name)) {
      const key = v.value.toString('latin1');
      if (seen.has(key)) continue;
      seen.add(key);
      const nul = v.value.indexOf(0); // printed as printf's %.*s: up to a NUL
      out.write(Buffer.concat([nul >= 0 ? v.value.subarray(0, nul) : v.value, Buffer.from('\n')]));
    }
  }
}

function showBoots(sources: readonly Source[], utc: boolean, out: Out): void {
  const boots = listBoots(sources);
  if (boots.length === 0) return; // 252 prints no table then, not even its header
  const rows = boots.map((b, i) => [String(i - boots.length + 1), b.id, fullTimestamp(b.first, utc), fullTimestamp(b.last, utc)]);
  const table = [['IDX', 'BOOT ID', 'FIRST ENTRY', 'LAST ENTRY'], ...rows];
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const [k, r] of table.entries()) {
    const idx = k === 0 ? r[0]!.padEnd(widths[0]!) : r[0]!.padStart(widths[0]!);
    out.write(`${idx} ${r[1]!.padEnd(widths[1]!)} ${r[2]!.padEnd(widths[2]!)} ${r[3]}\n`);
  }
}

const diskSize = (p: string): number => {
  try {
    return fs.statSync(p).blocks * 512;
  } catch {
    return 0;
  }
};

/** --vacuum-size=/--vacuum-time=: deletes the oldest archived files of each directory (never an active one). */
function vacuum(o: JournalctlOptions, sources: readonly Source[], nowUsec: number): void {
  const byDir = new Map<string, Source[]>();
  for (const s of sources) byDir.set(path.dirname(s.reader.path), [...(byDir.get(path.dirname(s.reader.path)) ?? []), s]);
  for (const [dir, list] of byDir) {
    let total = list.reduce((n, s) => n + diskSize(s.reader.path), 0);
    let freed = 0;
    for (const s of list) {
      const name = path.basename(s.reader.path);
      if (!/^.+@.+\.journal~?$/.test(name)) continue; // only archived files
      const size = diskSize(s.reader.path);
      const tooBig = o.vacuumSize !== undefined && total > o.vacuumSize;
      const tooOld = o.vacuumTimeUsec !== undefined && s.reader.tailRealtime < nowUsec - o.vacuumTimeUsec;
      if (!tooBig && !tooOld) continue;
      try {
        fs.unlinkSync(s.reader.path);
      } catch (e) {
        process.stderr.write(`Failed to delete archived journal ${s.reader.path}: ${errnoText(e)}\n`);
        continue;
      }
      process.stderr.write(`Deleted archived journal ${s.reader.path} (${formatBytes(size)}).\n`);
      total -= size;
      freed += size;
    }
    process.stderr.write(`Vacuuming done, freed ${formatBytes(freed)} of archived journals from ${dir}.\n`);
  }
}

/** The pager, started before the first line as journalctl starts it; undefined when there is none to start. */
function startPager(end: boolean): ChildProcess | undefined {
  const command = pagerCommand(process.env);
  if (command === undefined) return undefined;
  // Loaded only here: child_process brings net, dgram and the streams, a tenth of a short query's time.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const env = { ...process.env, LESS: process.env.SYSTEMD_LESS ?? 'FRSXMK', LESSCHARSET: process.env.LESSCHARSET ?? 'utf-8' };
  if (command !== 'less') return spawn('/bin/sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env });
  const search = process.env.PATH ?? DEFAULT_SEARCH_PATH;
  const less = searchPath('less', search, isExecutableFile);
  if (less) return spawn(less, end ? ['+G'] : [], { stdio: ['pipe', 'inherit', 'inherit'], env });
  const more = searchPath('more', search, isExecutableFile);
  return more ? spawn(more, [], { stdio: ['pipe', 'inherit', 'inherit'], env }) : undefined;
}

export function journalctlMain(argv: readonly string[]): void {
  run(argv).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}

async function run(argv: readonly string[]): Promise<void> {
  const parsed = parseJournalctlArgs(
    argv,
    (t) => {
      const ms = parseTimespan(t);
      return ms === undefined || !Number.isFinite(ms) ? undefined : Math.round(ms * 1000);
    },
    process.argv0,
  );
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error}\n`);
    process.exit(1);
  }
  const o = parsed.options;
  if (o.action === 'help') {
    writeAll(1, Buffer.from(journalctlHelp()));
    process.exit(0);
  }
  if (o.action === 'version') {
    writeAll(1, Buffer.from(`systemd 252 (ts-init ${VERSION})\n-PAM -AUDIT -SELINUX -APPARMOR -IMA -SMACK -SECCOMP -GCRYPT -GNUTLS -OPENSSL -ACL -BLKID -CURL -ELFUTILS -FIDO2 -IDN2 -IDN -IPTC -KMOD -LIBCRYPTSETUP -LIBFDISK -PCRE2 -PWQUALITY -P11KIT -QRENCODE -TPM2 -BZIP2 -LZ4 -XZ -ZLIB -ZSTD -BPF_FRAMEWORK -XKBCOMMON -UTMP -SYSVINIT\n`));
    process.exit(0);
  }
  const paging = o.pager && !o.follow && require('node:tty').isatty(1);
  const out = new Out(paging ? startPager(o.end) : undefined);
  try {
    const nowUsec = Date.now() * 1000;
    const time = (t: string | undefined, which: string) => {
      if (t === undefined) return undefined;
      const v = parseJournalTime(t, nowUsec);
      if (v === undefined) throw new Failure(`Failed to parse timestamp: ${t}`);
      void which;
      return v;
    };
    const since = time(o.since, 'since');
    const until = time(o.until, 'until');
    if (since !== undefined && until !== undefined && since > until) throw new Failure('--since= must be before --until=.');
    const sources = openSources(listFiles(o));
    if (sources.length === 0 && o.action !== 'vacuum') process.stderr.write('No journal files were found.\n');
    switch (o.action) {
      case 'disk-usage': {
        const total = sources.reduce((n, s) => n + diskSize(s.reader.path), 0);
        out.write(`Archived and active journals take up ${formatBytes(total)} in the file system.\n`);
        break;
      }
      case 'vacuum':
        vacuum(o, sources, nowUsec);
        break;
      case 'list-boots':
        showBoots(sources, o.utc, out);
        break;
      case 'field':
        showField(o.field!, sources, out);
        break;
      default: {
        const local = o.files.length === 0 && o.directories.length === 0;
        const bootId = o.boot ? resolveBoot(o.boot, sources, local) : undefined;
        const units = expandUnits(o.units, sources);
        await showEntries(o, sources, { groups: matchGroups(o, units, bootId), since, until }, out);
        if (o.follow) return;
      }
    }
    await out.close();
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    await out.close();
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
  process.exit(0);
}
