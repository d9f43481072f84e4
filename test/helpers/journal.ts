// Shared pieces of the journal-file tests: sample entries, systemd's journalctl run on the
// files, and its export format parsed back into fields.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import type { JournalEntry } from '../../src/journal/entry';
import { type FileIo, plainIo } from '../../src/journal/journal-file-writer';

export const MACHINE = crypto.randomBytes(16);
export const BOOT_A = crypto.randomBytes(16);
export const BOOT_B = crypto.randomBytes(16);
/** 2026-01-01T00:00:00Z in microseconds: entries are placed at known times for --since. */
export const BASE_USEC = Date.UTC(2026, 0, 1) * 1000;

const UNITS = ['ssh.service', 'cron.service', 'postfix.service'];
const IDENTS = ['sshd', 'CRON', 'postfix/smtpd'];

/** Entry i: ~12 fields, unit/identifier/priority cycling, one second apart from BASE_USEC. */
export function sampleEntry(i: number, opts: { boot?: Buffer; message?: string; extra?: Array<[string, string | Uint8Array]> } = {}): JournalEntry {
  const u = i % 3;
  return {
    realtimeUsec: BASE_USEC + i * 1_000_000,
    monotonicUsec: 5_000_000 + i * 1_000_000,
    bootId: opts.boot ?? BOOT_A,
    fields: [
      ['MESSAGE', opts.message ?? `message number ${i} from ${IDENTS[u]}`],
      ['PRIORITY', String(i % 8)],
      ['SYSLOG_FACILITY', '3'],
      ['SYSLOG_IDENTIFIER', IDENTS[u]],
      ['_PID', String(1000 + u)],
      ['_UID', '0'],
      ['_GID', '0'],
      ['_COMM', IDENTS[u].split('/')[0]],
      ['_EXE', `/usr/sbin/${IDENTS[u].split('/')[0]}`],
      ['_SYSTEMD_UNIT', UNITS[u]],
      ['_TRANSPORT', 'syslog'],
      ['_HOSTNAME', 'testhost'],
      ...(opts.extra ?? []),
    ],
  };
}

export function journalctl(args: string[], env: NodeJS.ProcessEnv = {}, bin = 'journalctl', chroot?: string): { stdout: Buffer; stderr: string; status: number | null } {
  const cmd = chroot ? 'chroot' : bin;
  const argv = chroot ? [chroot, bin, '--no-pager', ...args] : ['--no-pager', ...args];
  const r = spawnSync(cmd, argv, {
    env: { PATH: process.env.PATH, TZ: 'UTC', SYSTEMD_COLORS: '0', ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

/** journalctl's `-o export`: entries of (name, value) in its order, binary-safe. */
export function parseExport(out: Buffer): Array<Array<[string, Buffer]>> {
  const entries: Array<Array<[string, Buffer]>> = [];
  let cur: Array<[string, Buffer]> = [];
  let i = 0;
  while (i < out.length) {
    if (out[i] === 0x0a) {
      if (cur.length) entries.push(cur);
      cur = [];
      i++;
      continue;
    }
    const nl = out.indexOf(0x0a, i);
    const line = out.subarray(i, nl);
    const eq = line.indexOf(0x3d);
    if (eq >= 0) {
      cur.push([line.subarray(0, eq).toString('latin1'), Buffer.from(line.subarray(eq + 1))]);
      i = nl + 1;
    } else {
      const name = line.toString('latin1');
      const len = Number(out.readBigUInt64LE(nl + 1));
      cur.push([name, Buffer.from(out.subarray(nl + 9, nl + 9 + len))]);
      i = nl + 9 + len + 1;
    }
  }
  if (cur.length) entries.push(cur);
  return entries;
}

/** The fields of an entry as a sorted list of NAME=value strings (values as hex when binary). */
export function fieldSet(fields: ReadonlyArray<readonly [string, string | Uint8Array]>): string[] {
  return fields
    .map(([n, v]) => `${n}=${Buffer.from(typeof v === 'string' ? Buffer.from(v) : v).toString('hex')}`)
    .sort();
}

/** Positional I/O that stops (throws) after a set number of further writes, as a killed writer does. */
export function dyingIo(): { io: FileIo; dieAfter(writes: number): void } {
  let left = Number.POSITIVE_INFINITY;
  return {
    io: {
      pwrite: (fd, b, p, offset, length) => {
        if (left-- <= 0) throw Object.assign(new Error('killed'), { code: 'EKILLED' });
        plainIo.pwrite(fd, b, p, offset, length);
      },
      pread: plainIo.pread,
    },
    dieAfter: (writes) => {
      left = writes;
    },
  };
}

/** Positional I/O that counts its writes. */
export function countingIo(): { io: FileIo; count: number } {
  const c = { count: 0, io: undefined as unknown as FileIo };
  c.io = { pwrite: (fd, b, p, offset, length) => (c.count++, plainIo.pwrite(fd, b, p, offset, length)), pread: plainIo.pread };
  return c;
}

/** Entries that exercise the formats: controls, colours, tabs, binary, lines, long values, missing fields, two boots. */
export function formatSampleEntries(n: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (let i = 0; i < n; i++) {
    const boot = i < n / 2 ? BOOT_A : BOOT_B;
    const e = sampleEntry(i, { boot });
    const fields = e.fields.map(([k, v]) => [k, v] as [string, string | Uint8Array]);
    const set = (k: string, v: string | Uint8Array | undefined) => {
      const at = fields.findIndex(([f]) => f === k);
      if (v === undefined) fields.splice(at, 1);
      else if (at >= 0) fields[at] = [k, v];
      else fields.push([k, v]);
    };
    switch (i % 23) {
      case 4:
        set('MESSAGE', 'colour \x1b[31mred\x1b[0m and\ttab');
        break;
      case 5:
        set('MESSAGE', 'bell \x07 and \x1b[1;31mbold\x1b[0m');
        break;
      case 6:
        set('MESSAGE', Uint8Array.from([0x41, 0xff, 0x00, 0x42]));
        break;
      case 7:
        set('MESSAGE', 'first line\nsecond line\n\nfourth');
        break;
      case 8:
        set('MESSAGE', '');
        break;
      case 9:
        set('MESSAGE', undefined);
        break;
      case 10:
        set('_HOSTNAME', undefined);
        set('SYSLOG_IDENTIFIER', undefined);
        set('SYSLOG_PID', '4242');
        set('_PID', undefined);
        break;
      case 11:
        set('MESSAGE', `long ${'y'.repeat(5000)}`);
        set('LONGISH', 'z'.repeat(200));
        break;
      case 12:
        set('_SOURCE_REALTIME_TIMESTAMP', String(BASE_USEC + i * 1_000_000 - 500_000));
        set('_SOURCE_MONOTONIC_TIMESTAMP', '1234567');
        break;
      case 13:
        // systemd's own lines about a unit, and a daemon's about another
        set('_PID', '1');
        set('UNIT', 'cron.service');
        set('_SYSTEMD_UNIT', 'init.scope');
        break;
      case 14:
        set('OBJECT_SYSTEMD_UNIT', 'ssh.service');
        set('_SYSTEMD_UNIT', 'systemd-logind.service');
        set('TAG', 'a');
        fields.push(['TAG', 'b']);
        break;
      case 15:
        set('MESSAGE', 'ümlaut ünïcödé ✓');
        set('_TRANSPORT', 'kernel');
        break;
    }
    out.push({ ...e, fields });
  }
  return out;
}
