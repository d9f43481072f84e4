// The journal proof (issue 20): the "journal" images of scripts/journal-image.sh (Debian 12 or 13
// with sshd, cron, Postfix, fail2ban, python3-systemd and systemd; variants with rsyslog and
// without systemd) booted under systemd (the oracle) and under ts-init, one at a time; in each,
// test/fixtures/journal/workload.sh logs the ordinary ways (failed ssh logins, logger, systemd-cat,
// journal.send), then the image's own readers are asked: journalctl's answers to the issue's
// queries, fail2ban's sshd jail, rsyslog's auth.log and syslog. The answers of the two inits are
// compared after normalising only what differs from boot to boot whatever the init: pids, ports,
// key fingerprints, the workload's nonce; timestamps, cursors, boot and machine ids only as far
// as the comparisons look at messages and field names, not at those values. Field names are
// compared whole except the few only a cgroup/audit/SELinux host has (CGROUP_ONLY_FIELDS), _EXE
// (journald in a container often cannot read it: CONTAINER_ONLY_MISSING) and, for a sender that
// exits at once, the ones journald itself stores or not depending on a race (SENDER_PROC_FIELDS).
// `-o json` output is compared with each object's members sorted (sortedJson). PID 1's own entries and the journal's are left out of the entry lists
// (serviceEntries), but not out of `-u ssh -n 5 -o cat`, which shows systemd's "Started" line.

import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { REPO_ROOT, type ResourceTracker, buildImage, ensureContainerEnv, exec, inspect, logs, runCommand, runDetached, stop } from './container';
import { VM_RUNTIME, bootArgs, removeVm, type VmInit } from './vm-image';
import { batchResults, batchScript } from './command-batch';

export type JournalSuite = 'bookworm' | 'trixie';
export type JournalVariant = 'plain' | 'rsyslog' | 'nosystemd';

export const JOURNAL_IMAGE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'journal-image.sh');
export const JOURNAL_WORKLOAD = path.join(REPO_ROOT, 'test', 'fixtures', 'journal', 'workload.sh');
/** systemd's journalctl where the image has it; ts-init's front under a name of its own. */
export const SYSTEMD_JOURNALCTL = '/usr/bin/journalctl';
export const TS_INIT_JOURNALCTL = '/usr/local/lib/ts-init/journalctl';
/** Both boots get the same hostname, so that `_HOSTNAME` and syslog lines can be compared. */
export const HOSTNAME = 'journal';

/**
 * Fields only a host with per-unit cgroups, audit or SELinux has: ts-init tells a sender's unit
 * from its pid (no cgroup per unit), a container has no audit session and no SELinux label.
 * Every other field journald stores must be stored by ts-init too.
 */
export const CGROUP_ONLY_FIELDS = new Set([
  '_SYSTEMD_CGROUP',
  '_SYSTEMD_SLICE',
  '_SYSTEMD_OWNER_UID',
  '_SYSTEMD_SESSION',
  '_SYSTEMD_USER_UNIT',
  '_SYSTEMD_USER_SLICE',
  '_AUDIT_SESSION',
  '_AUDIT_LOGINUID',
  '_SELINUX_CONTEXT',
]);

/**
 * A unit of the test image that writes to stdout, one plain line and one with a `<3>` prefix. Its
 * shell lives on after them: a journal reading the writer's /proc while it execs finds no command
 * line (journald's _CMDLINE then missing or not, by timing, under either init).
 */
const STDOUT_UNIT = `[Unit]
Description=journal proof: a unit writing to stdout

[Service]
ExecStart=/bin/sh -c 'echo "journal-proof stdout line"; echo "<3>journal-proof stdout err"; sleep 5; exec sleep infinity'

[Install]
WantedBy=multi-user.target
`;

const imagesPromises = new Map<JournalSuite, Promise<Record<string, string>>>();

/**
 * Runs scripts/journal-image.sh for one release once per test process; returns its exports
 * (image references). One release only: on a fresh checkout each release's tree takes minutes
 * to build, and the other release's test file builds its own meanwhile.
 */
export function ensureJournalImages(suite: JournalSuite): Promise<Record<string, string>> {
  let p = imagesPromises.get(suite);
  if (!p) {
    p = (async () => {
      await ensureContainerEnv();
      const res = await runCommand('bash', [JOURNAL_IMAGE_SCRIPT, suite], { timeoutMs: 30 * 60_000 });
      const vars: Record<string, string> = {};
      for (const m of res.stdout.matchAll(/^export ([A-Z0-9_]+)='([^']*)'$/gm)) vars[m[1]!] = m[2]!;
      if (res.code !== 0 || !vars[`TS_INIT_JOURNAL_${suite.toUpperCase()}`]) {
        throw new Error(`${JOURNAL_IMAGE_SCRIPT} ${suite} exited ${res.code}:\n${res.stderr.slice(-4000)}`);
      }
      return vars;
    })();
    p.catch(() => imagesPromises.delete(suite));
    imagesPromises.set(suite, p);
  }
  return p;
}

export function journalBaseRef(images: Record<string, string>, suite: JournalSuite, variant: JournalVariant): string {
  const key = `TS_INIT_JOURNAL_${suite.toUpperCase()}${variant === 'plain' ? '' : `_${variant.toUpperCase()}`}`;
  const ref = images[key];
  if (!ref) throw new Error(`scripts/journal-image.sh printed no ${key}`);
  return ref;
}

/** A journal image plus dist/ts-init (the ENTRYPOINT), the workload and the stdout unit. */
export async function buildJournalImage(suite: JournalSuite, variant: JournalVariant): Promise<string> {
  const from = journalBaseRef(await ensureJournalImages(suite), suite, variant);
  return buildImage({
    base: 'debian',
    from,
    files: {
      '/usr/local/bin/journal-workload': { hostPath: JOURNAL_WORKLOAD, mode: 0o755 },
      '/etc/systemd/system/proof-stdout.service': { content: STDOUT_UNIT, mode: 0o644 },
    },
    run: [
      'mkdir -p /etc/systemd/system/multi-user.target.wants && ln -s /etc/systemd/system/proof-stdout.service /etc/systemd/system/multi-user.target.wants/proof-stdout.service',
    ],
    entrypoint: ['/sbin/ts-init', '--'],
    cmd: ['sleep', 'infinity'],
  });
}

// ---------------------------------------------------------------------------------------------
// What is asked
// ---------------------------------------------------------------------------------------------

/** The issue's queries (plus two for field names), keyed; SINCE is replaced by the workload's. */
export const QUERIES: Record<string, string[]> = {
  'ssh -n 5': ['-u', 'ssh', '-n', '5', '-o', 'cat'],
  'ssh all': ['-u', 'ssh', '-o', 'cat'],
  'ssh json': ['-u', 'ssh', '-o', 'json'],
  'err': ['-p', 'err', '-o', 'json'],
  'CRON': ['-t', 'CRON', '-o', 'cat'],
  'CRON json': ['-t', 'CRON', '-o', 'json'],
  'since': ['--since', 'SINCE', '-o', 'json'],
  'stdout unit': ['-u', 'proof-stdout', '-o', 'json'],
};

export interface Answers {
  init: VmInit;
  /** The container's id (for the cgroups a systemd may leave on the host). */
  id: string;
  variant: JournalVariant;
  pid1: string;
  /** workload.sh's stdout (since=, f2b_failed=, ready=). */
  workload: string;
  since: string;
  f2bFailed: number;
  /** `fail2ban-client status sshd`. */
  f2bStatus: string;
  /** Per journalctl (path in the image), per query: stdout, or `exit N: stderr` when it failed. */
  journal: Record<string, Record<string, string>>;
  /** rsyslog's files (rsyslog variant). */
  authLog: string;
  syslog: string;
  /** `ls -l /dev/log /run/systemd/journal/` after the workload (who owns the syslog socket). */
  sockets: string;
  /** The end of the container's log, for failure messages. */
  logTail: string;
}

const WORKLOAD_DEADLINE_S = 90;

/** Boots `image` under `init`, runs the workload, asks every journalctl in `readers`, stops. */
export async function bootAndAsk(image: string, init: VmInit, variant: JournalVariant, readers: string[], resources: ResourceTracker): Promise<Answers> {
  const { entrypoint, args } = bootArgs(init);
  const container = await runDetached(image, { runtime: VM_RUNTIME, entrypoint, args: [...args, '--hostname', HOSTNAME] });
  resources.container(container);
  const id = await inspect(container, '{{.Id}}');
  const run = (cmd: string[], timeoutMs = 60_000) => exec(container, cmd, { runtime: VM_RUNTIME, timeoutMs });
  try {
    const nonce = crypto.randomBytes(6).toString('hex');
    const w = await run(['/usr/local/bin/journal-workload', nonce, String(WORKLOAD_DEADLINE_S)], (WORKLOAD_DEADLINE_S + 60) * 1000);
    const workload = normalise(`${w.stdout}${w.stderr}`, nonce);
    const since = /^since=(.*)$/m.exec(w.stdout)?.[1] ?? '';
    const f2bFailed = Number(/^f2b_failed=(\d+)$/m.exec(w.stdout)?.[1] ?? 'NaN');
    const f2b = await run(['fail2ban-client', 'status', 'sshd']);
    // Read once the boot is over: ts-init names itself `init` only once it has made /run/systemd/system.
    const pid1 = (await run(['cat', '/proc/1/comm'])).stdout.trim();
    const journal: Answers['journal'] = {};
    const queries = Object.entries(QUERIES);
    for (const reader of readers) {
      // Every query in one `podman exec` (each exec costs a few tenths of a second).
      const script = batchScript(queries.map(([, q]) => [reader, '--no-pager', ...q.map((a) => (a === 'SINCE' ? since : a))]));
      const res = await run(['sh', '-c', script], queries.length * 60_000);
      const results = batchResults(res.stdout);
      if (results.length !== queries.length) throw new Error(`${reader}: ${results.length} of ${queries.length} queries answered (exit ${res.code}): ${res.stderr.slice(-500)}`);
      journal[reader] = {};
      queries.forEach(([name], i) => {
        const r = results[i]!;
        journal[reader]![name] = r.code === 0 ? normalise(r.stdout, nonce) : `exit ${r.code}: ${r.stderr.trim().slice(0, 500)}`;
      });
    }
    const readLog = async (file: string) => {
      const res = await run(['cat', file]);
      return res.code === 0 ? normalise(res.stdout, nonce) : `(no ${file})`;
    };
    const authLog = variant === 'rsyslog' ? await readLog('/var/log/auth.log') : '';
    const syslog = variant === 'rsyslog' ? await readLog('/var/log/syslog') : '';
    const sockets = (await run(['sh', '-c', 'ls -l /dev/log /run/systemd/journal/ 2>&1'])).stdout.trim();
    const logTail = (await logs(container)).split('\n').filter((l) => !/is not supported by ts-init|unknown directive/.test(l)).slice(-30).join('\n');
    return { init, id, variant, pid1, workload, since, f2bFailed, f2bStatus: f2b.code === 0 ? f2b.stdout : `exit ${f2b.code}: ${f2b.stderr}`, journal, authLog, syslog, sockets, logTail };
  } finally {
    await stop(container, 20, { runtime: VM_RUNTIME });
    await removeVm(container);
  }
}

// ---------------------------------------------------------------------------------------------
// Normalising and comparing (pure)
// ---------------------------------------------------------------------------------------------

/** What differs from boot to boot whatever the init: the nonce, pids, ports, key fingerprints. */
export function normalise(text: string, nonce: string): string {
  return text
    .replaceAll(nonce, 'NONCE')
    .replace(/\[\d+\]/g, '[PID]')
    .replace(/\bport \d+/g, 'port N')
    .replace(/SHA256:[A-Za-z0-9+/=]+/g, 'SHA256:KEY');
}

export type JournalEntry = Record<string, unknown>;

export function parseJsonLines(text: string): JournalEntry[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as JournalEntry);
}

/** A field's value as text (journalctl prints binary values as byte arrays). */
export function fieldText(e: JournalEntry, name: string): string {
  const v = e[name];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return Buffer.from(v as number[]).toString('utf8');
  return v === undefined || v === null ? '' : String(v);
}

/**
 * The entries of the services and clients, not of the init itself: PID 1's own lines (systemd's
 * "Started ..." and ts-init's) and the journal's own (driver, kernel, audit) are what the two
 * inits legitimately say differently about their own work.
 */
export function serviceEntries(entries: JournalEntry[]): JournalEntry[] {
  return entries.filter((e) => fieldText(e, '_PID') !== '1' && !['driver', 'kernel', 'audit'].includes(fieldText(e, '_TRANSPORT')));
}

/**
 * sshd's lines that are sure to be ssh.service's under journald: "Connection closed by ...
 * [preauth]" is logged by a child as it exits, and journald itself finds its unit or not by a race
 * (seen: the root login's line in `-u ssh` on one boot under systemd, not on the next), which
 * moves the window of `-n 5` too.
 */
export function settledSshLines(text: string): string[] {
  return text.split('\n').filter((l) => /^Invalid user /.test(l));
}

/** The MESSAGE of PID 1's own entries (systemd's "Started ssh.service - ...", ts-init's own). */
export function initLines(entries: JournalEntry[]): string[] {
  return entries.filter((e) => fieldText(e, '_PID') === '1').map((e) => fieldText(e, 'MESSAGE'));
}

/** `IDENTIFIER[PRIORITY]: MESSAGE` per entry, sorted (concurrent senders' order is not the init's). */
export function entryLines(entries: JournalEntry[]): string[] {
  return entries.map((e) => `${fieldText(e, 'SYSLOG_IDENTIFIER')}[${fieldText(e, 'PRIORITY')}]: ${fieldText(e, 'MESSAGE')}`).sort();
}

/**
 * Stored by ts-init, not by journald in a podman container: journald's unit keeps CAP_SYS_PTRACE,
 * which podman's default capability set lacks, so it cannot read /proc/PID/exe of a sender with
 * capabilities it does not have (seen: sshd's and a unit's lines without _EXE under systemd).
 */
export const CONTAINER_ONLY_MISSING = new Set(['_EXE']);

/**
 * The fields journald reads from /proc/PID of the sender when it stores a datagram: a sender that
 * exits right after sending (logger, a cron job's process, a python3 -c) has them or not
 * depending on who is faster, under journald itself (seen: cron's job line with and without
 * _CMDLINE, _EXE, _SYSTEMD_UNIT on two boots of the same image).
 */
export const SENDER_PROC_FIELDS = new Set(['_EXE', '_CMDLINE', '_COMM', '_CAP_EFFECTIVE', '_SYSTEMD_UNIT', '_SYSTEMD_INVOCATION_ID']);

/**
 * The field names of the first entry whose MESSAGE contains `marker` (cgroup-only ones left out,
 * and, for a sender that is gone at once, the ones read from its /proc).
 */
export function fieldNames(entries: JournalEntry[], marker: string, shortLived = false): string[] | undefined {
  const e = entries.find((x) => fieldText(x, 'MESSAGE').includes(marker));
  const compared = (k: string) => !CGROUP_ONLY_FIELDS.has(k) && !CONTAINER_ONLY_MISSING.has(k) && !(shortLived && SENDER_PROC_FIELDS.has(k));
  return e ? Object.keys(e).filter(compared).sort() : undefined;
}

/**
 * journalctl's `-o json` lines with each object's members sorted: the order is not part of JSON,
 * and systemd's journalctl prints them in its hash table's order.
 */
export function sortedJson(text: string): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('{') ? JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l) as JournalEntry).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))) : l))
    .join('\n');
}

/** rsyslog's lines with the timestamp and host cut off (traditional or RFC 3339 format). */
export function syslogLines(text: string, match: RegExp): string[] {
  return text
    .split('\n')
    .filter((l) => match.test(l))
    .map((l) => l.replace(/^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ /, ''))
    .sort();
}

/** `fail2ban-client status sshd` with the counts kept and the rest as printed. */
export function jailStatus(text: string): string {
  return text.replace(/[ \t]+$/gm, '').trim();
}
