// The journal's read side with ts-init as PID 1: `systemctl status UNIT` ends with the unit's
// journal lines, read by the systemctl client from a store written before the boot, the same
// lines this host's systemd 252 journalctl prints for the unit on the same files; and what the
// container log (PID 1's stdout) shows under --log-console and --log-console-max-level.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/entry';
import { defaultJournaldSettings } from '../../src/journal/journald-conf';
import { JournalStore } from '../../src/journal/journal-store';
import { tempDir } from '../helpers/temp-dir';
import { runAsPid1, TS_INIT } from '../helpers/ts-init';
import { unitDir } from '../helpers/units';

const HAS_JOURNALCTL = spawnSync('/usr/bin/journalctl', ['--version']).status === 0;
const ENV = { ...process.env, TZ: 'UTC', SYSTEMD_COLORS: '0', LANG: 'C' };
const BOOT = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
const hostMachine = (() => {
  try {
    const id = fs.readFileSync('/etc/machine-id', 'utf8').trim();
    return /^[0-9a-f]{32}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
})();
/** The directory systemctl status reads: this machine's under /run/log/journal (any, without a machine id). */
const MACHINE = hostMachine ?? crypto.randomBytes(16).toString('hex');

let bin: string;
let store: string;
/** Shell steps that put the store in the namespace's /run and hide the host's persistent journal. */
let setup: string;

function entry(realtimeUsec: number, monotonicUsec: number, fields: Array<[string, string | Uint8Array]>, boot = BOOT): JournalEntry {
  return { realtimeUsec, monotonicUsec, bootId: Buffer.from(boot, 'hex'), fields: [...fields, ['_HOSTNAME', 'box'], ['_UID', '0']] };
}

beforeAll(() => {
  bin = tempDir('journal-view-bin-');
  fs.symlinkSync(TS_INIT, path.join(bin, 'systemctl'));
  const root = tempDir('journal-view-store-');
  fs.mkdirSync(path.join(root, 'run'));
  const s = JournalStore.open({ machineId: Buffer.from(MACHINE, 'hex'), settings: defaultJournaldSettings(), root })!;
  const now = Date.now() * 1000;
  // After the units' start in the run to come (systemctl status shows what came since the unit left inactive).
  const later = Number(process.hrtime.bigint() / 1000n) + 3600_000_000;
  const unit = (i: number, message: string | Uint8Array, mono = later + i * 1000): JournalEntry =>
    entry(now + i * 1000, mono, [['MESSAGE', message], ['SYSLOG_IDENTIFIER', 'tailtest'], ['_PID', '4242'], ['_SYSTEMD_UNIT', 'tailtest.service']]);
  const list: JournalEntry[] = [
    unit(0, 'before the unit started', 1_000_000),
    unit(1, 'also before', 2_000_000),
    entry(now + 2000, later + 2000, [['MESSAGE', 'last boot'], ['SYSLOG_IDENTIFIER', 'tailtest'], ['_PID', '9'], ['_SYSTEMD_UNIT', 'tailtest.service']], crypto.randomBytes(16).toString('hex')),
    entry(now + 3000, later + 3000, [['MESSAGE', 'Started tailtest.service.'], ['SYSLOG_IDENTIFIER', 'systemd'], ['_PID', '1'], ['UNIT', 'tailtest.service']]),
  ];
  for (let i = 4; i < 16; i++) list.push(unit(i, `line ${i}`));
  list.push(
    entry(now + 16_000, later + 16_000, [['MESSAGE', 'not this unit'], ['SYSLOG_IDENTIFIER', 'other'], ['_PID', '5'], ['_SYSTEMD_UNIT', 'other.service']]),
    unit(17, 'erase \x1b[2K\r[ERROR] forged'),
    unit(18, Uint8Array.from([0x41, 0xff, 0x00, 0x42])),
    unit(19, 'colour \x1b[31mred\x1b[0m and\ttab'),
    unit(20, 'two\nlines'),
  );
  expect(s.appendMany(list).every((r) => r.ok)).toBe(true);
  s.close();
  store = s.dir;
  setup = `mkdir -p /run/log/journal && cp -a ${store} /run/log/journal/${MACHINE} && if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi`;
});

const UNITS = {
  'tailtest.service': '[Unit]\nDescription=Tail test\n[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n',
  'quiet.service': '[Unit]\nDescription=Nothing in the journal\n[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n',
};

/** Runs each command in the PID namespace; returns each one's stdout+stderr. */
async function session(lines: string[]): Promise<string[]> {
  const script = lines.map((l) => `echo "@@@"; ${l} 2>&1`).join('; ');
  const r = await runAsPid1(['--units', unitDir(UNITS), '--', '/bin/sh', '-c', `PATH=${bin}:$PATH; ${script}`], { env: ENV }, setup);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('@@@\n').slice(1);
}

/** What status prints after its first blank line ('' when none). */
const tailOf = (status: string): string => (status.includes('\n\n') ? status.slice(status.indexOf('\n\n') + 2) : '');

function hostJournalctl(args: string[]): string {
  const r = spawnSync('/usr/bin/journalctl', ['--no-pager', '-D', store, `_BOOT_ID=${BOOT}`, ...args], { env: ENV });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout.toString();
}

describe('systemctl status: the unit journal lines', () => {
  it("the last 10 (-n, --lines, -o), this boot's and since the unit started, as systemd's journalctl shows them; none: nothing", async () => {
    const [plain, three, zero, cat, both, quiet] = await session([
      'systemctl status tailtest.service',
      'systemctl status tailtest --lines=3',
      'systemctl status tailtest -n 0',
      'systemctl status tailtest -o cat -n 2',
      'systemctl status -n 2 quiet tailtest',
      'systemctl status quiet',
    ]);
    const tail = tailOf(plain!);
    expect(plain!.startsWith('● tailtest.service - Tail test\n')).toBe(true);
    expect(tail.split('\n')).toEqual([
      ...[10, 11, 12, 13, 14, 15].map((i) => expect.stringMatching(new RegExp(`^\\w{3} \\d\\d \\d\\d:\\d\\d:\\d\\d box tailtest\\[4242\\]: line ${i}$`))),
      expect.stringMatching(/tailtest\[4242\]: \[\d+B blob data\]$/),
      expect.stringMatching(/tailtest\[4242\]: \[4B blob data\]$/),
      expect.stringMatching(/tailtest\[4242\]: colour red and {8}tab$/),
      expect.stringMatching(/tailtest\[4242\]: two$/),
      expect.stringMatching(/^ +lines$/),
      '',
    ]);
    if (HAS_JOURNALCTL) {
      expect(tail).toBe(hostJournalctl(['-u', 'tailtest.service', '-n', '10']));
      expect(tailOf(three!)).toBe(hostJournalctl(['-u', 'tailtest.service', '-n', '3']));
      expect(tailOf(cat!)).toBe(hostJournalctl(['-u', 'tailtest.service', '-n', '2', '-o', 'cat']));
    }
    expect(tailOf(zero!)).toBe('');
    expect(zero!).not.toContain('line');
    // Several units: a blank line between them, each its own tail; one with no entries prints nothing after its status.
    expect(quiet!).not.toContain('\n\n');
    expect(both!).toMatch(/^● quiet\.service - Nothing in the journal\n(?:.+\n)+\n● tailtest\.service - Tail test\n(?:.+\n)+\n.+: colour red and {8}tab\n.+: two\n +lines\n$/);
  });
});

describe('the container log: --log-console, --log-console-max-level', () => {
  const units = {
    'chatty.service': `[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo unit-line; printf "esc \\\\033[2K\\\\r forged\\\\n" >&2'\n[Install]\nWantedBy=multi-user.target\n`,
  };
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = await runAsPid1([...args, '--units', unitDir(units), '--', '/bin/sh', '-c', 'echo cmd-line'], { env: { ...process.env, ...env } });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };

  it("all (the default) and units show the units' lines, escaped; cmd and a bound below info show only the CMD's own output", async () => {
    const [all, units, cmd, bound, fromEnv] = await Promise.all([
      run([]),
      run(['--log-console=units']),
      run(['--log-console', 'cmd']),
      run(['--log-console-max-level', 'notice']),
      run([], { TS_INIT_LOG_CONSOLE: 'cmd' }),
    ]);
    for (const out of [all, units]) {
      expect(out).toContain('chatty.service: unit-line\n');
      expect(out).toContain('chatty.service: esc \\x1b[2K\\x0d forged\n');
      expect(out).toContain('cmd-line\n');
    }
    for (const out of [cmd, bound, fromEnv]) expect(out).toBe('cmd-line\n');
  });
});

describe('control characters in journalctl short formats', () => {
  it("as systemd 252's journalctl: colour and OSC sequences stripped, tabs expanded, anything else not text a blob; -a and cat raw", () => {
    const root = tempDir('journal-view-controls-');
    fs.mkdirSync(path.join(root, 'run'));
    const s = JournalStore.open({ machineId: Buffer.from(MACHINE, 'hex'), settings: defaultJournaldSettings(), root })!;
    const messages: Array<string | Uint8Array> = [
      'c1 \u0085 next', 'del \x7f x', 'osc \x1b]0;title\x07 x', 'csi 256 \x1b[38;5;196mred\x1b[0m', 'csi erase \x1b[2K x', 'cr \r x', 'bs \b x',
      Uint8Array.from([0x61, 0, 0x62]), 'tab\tend', 'trailing nl\n', '\x1b[1mbold only\x1b[m', 'esc at end \x1b', 'unterminated \x1b[12', Uint8Array.from([0xc3]),
      'ff \f', 'line sep \u2028 bidi \u202e x', 'osc cut \x1b]0;title', 'osc tab \x1b]0;a\tb\x07 x', 'link \x1b]8;;http://x/\x07text\x1b]8;;\x07 end', 'osc \x1b]0;é\x07 x',
    ];
    const t0 = Date.UTC(2026, 0, 1) * 1000;
    const list = messages.map((m, i) => entry(t0 + i * 1_000_000, 1_000_000 + i, [['MESSAGE', m], ['SYSLOG_IDENTIFIER', i === 3 ? 'id\x1bx' : 'app'], ['_PID', '7']]));
    expect(s.appendMany(list).every((r) => r.ok)).toBe(true);
    s.close();
    const ours = path.join(bin, 'journalctl');
    if (!fs.existsSync(ours)) fs.symlinkSync(TS_INIT, ours);
    const read = (file: string, args: string[]) => {
      const r = spawnSync(file, ['--no-pager', '-D', s.dir, ...args], { env: ENV });
      return { out: r.stdout.toString('latin1'), status: r.status };
    };
    const short = read(ours, []).out.split('\n');
    expect(short[2]).toMatch(/app\[7\]: osc {2}x$/);
    expect(short[5]).toMatch(/app\[7\]: \[6B blob data\]$/);
    expect(short.join('\n')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    if (!HAS_JOURNALCTL) return;
    for (const args of [[], ['-a'], ['-o', 'short-iso'], ['-o', 'short-precise'], ['-o', 'short-monotonic'], ['-o', 'cat'], ['-o', 'verbose'], ['-o', 'export']]) {
      expect(read(ours, args), args.join(' ')).toEqual(read('/usr/bin/journalctl', args));
    }
  });
});
