// The calendar parser and next-elapse computation held to the host's `systemd-analyze calendar`
// (systemd 252 on the build machine and CI): the same expressions accepted and refused, the same
// normalised form, the same five next elapses from fixed base times, in UTC and in local zones
// with daylight saving time. The host must have systemd-analyze: without it this test fails.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatCalendar, parseCalendar } from '../../../src/units/calendar';
import { nextElapseOrWhyNot } from '../../../src/units/calendar-next';
import { DEBIAN_TIMER_CALENDARS, generateExpression, MALFORMED_CALENDARS, mutateExpression, seededRandom } from '../../helpers/calendar-expressions';

const ITERATIONS = 5;
const SENTINEL = '@1';
const SENTINEL_FORM = '1970-01-01 00:00:01 UTC';

interface Verdict {
  readonly accepted: boolean;
  readonly normalized?: string;
  /** Elapses in microseconds since the epoch. */
  readonly elapses?: readonly number[];
}

function systemdAnalyze(): string {
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error('systemd-analyze is needed to compare calendar expressions with systemd (install systemd): ' + String(probe.error ?? probe.stderr));
  }
  return probe.stdout.split('\n')[0]!;
}

/** "Sun 2026-10-25 00:30:00.500000 UTC" -> microseconds. */
function parseTimestamp(text: string): number {
  const m = /^\w{3} (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{6}))? UTC$/.exec(text.trim());
  if (!m) throw new Error(`unexpected timestamp from systemd-analyze: ${text}`);
  const [, y, mo, d, h, mi, s, us] = m;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) * 1000 + Number(us ?? 0);
}

/**
 * systemd's verdicts on `expressions`, in one run: each expression follows a sentinel that is
 * always valid, so the blocks between two sentinels say whether the expression was refused.
 */
function systemdVerdicts(expressions: readonly string[], tz: string, baseUsec: number): Verdict[] {
  const args = ['calendar', `--iterations=${ITERATIONS}`, `--base-time=@${Math.floor(baseUsec / 1e6)}`, '--'];
  for (const e of expressions) args.push(SENTINEL, e);
  args.push(SENTINEL);
  const run = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { ...process.env, TZ: tz, LC_ALL: 'C', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' }, maxBuffer: 64 << 20 });
  const blocks = run.stdout.split(/\n\n+/).map((b) => b.split('\n').filter((l) => l.trim() !== ''));
  const verdicts: Verdict[] = [];
  let current: Verdict | undefined;
  let started = false;
  for (const lines of blocks) {
    if (lines.length === 0) continue;
    const normalized = lines.find((l) => l.startsWith('Normalized form: '))?.slice('Normalized form: '.length);
    const original = lines.find((l) => l.trim().startsWith('Original form: '))?.trim().slice('Original form: '.length);
    if (normalized === SENTINEL_FORM && original === SENTINEL) {
      if (started) verdicts.push(current ?? { accepted: false });
      started = true;
      current = undefined;
      continue;
    }
    const elapses: number[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*(?:Next elapse|Iter\. #\d+): (.*)$/.exec(lines[i]!);
      if (!m || m[1] === 'never') continue;
      const inUtc = /^\s*\(in UTC\): (.*)$/.exec(lines[i + 1] ?? '');
      elapses.push(parseTimestamp(inUtc ? inUtc[1]! : m[1]!));
    }
    current = { accepted: true, normalized, elapses };
  }
  expect(verdicts.length, `systemd-analyze printed a block per expression (stderr: ${run.stderr.slice(0, 500)})`).toBe(expressions.length);
  return verdicts;
}

function ourVerdict(expression: string, tz: string, baseUsec: number): Verdict {
  const r = parseCalendar(expression);
  if (!r.ok) return { accepted: false };
  const elapses: number[] = [];
  for (let at = baseUsec; elapses.length < ITERATIONS; ) {
    const next = nextElapseOrWhyNot(r.spec, at, tz);
    // systemd-analyze fails the whole expression when a search does not settle
    if (next === 'gave up') return { accepted: false };
    if (next === 'never') break;
    elapses.push(Math.floor(next / 1e6) * 1e6); // it prints whole seconds
    at = next;
  }
  return { accepted: true, normalized: formatCalendar(r.spec), elapses };
}

function corpus(): string[] {
  const rnd = seededRandom(20261207);
  const generated: string[] = [];
  for (let i = 0; i < 400; i++) generated.push(generateExpression(rnd));
  const mutated = generated.slice(0, 200).map((e) => mutateExpression(e, rnd));
  return [...new Set([...DEBIAN_TIMER_CALENDARS, ...generated, ...mutated, ...MALFORMED_CALENDARS])].filter((e) => !e.startsWith('@'));
}

const at = (text: string): number => Date.parse(text) * 1000;
const PLAIN_DAY = '2026-01-15T10:17:42.250Z';
// Each zone from a plain day and from the eves of its DST changes (a gap, a repeated hour).
const CASES: readonly (readonly [string, readonly string[]])[] = [
  ['UTC', [PLAIN_DAY, '2026-03-28T22:00:00Z', '2026-10-24T22:30:00Z']],
  ['Europe/Berlin', [PLAIN_DAY, '2026-03-28T22:00:00Z', '2026-10-24T22:30:00Z']],
  ['America/New_York', [PLAIN_DAY, '2026-03-08T04:00:00Z', '2026-11-01T03:00:00Z']],
  // a 30-minute DST, in the southern hemisphere
  ['Australia/Lord_Howe', ['2026-04-04T12:00:00Z', '2026-10-03T13:00:00Z']],
  // changes at midnight: a day without 00:00, a day with two
  ['America/Santiago', ['2026-04-04T12:00:00Z', '2026-09-05T12:00:00Z']],
];

describe(`calendar expressions agree with ${systemdAnalyze()}`, () => {
  const expressions = corpus();

  it('a few hundred expressions, Debian timer units included', () => {
    expect(expressions.length).toBeGreaterThan(300);
    for (const e of DEBIAN_TIMER_CALENDARS) expect(expressions).toContain(e);
  });

  it('refuses what systemd refuses, for every hand-picked malformed expression', () => {
    const theirs = systemdVerdicts(MALFORMED_CALENDARS, 'UTC', at(PLAIN_DAY));
    MALFORMED_CALENDARS.forEach((e, i) => {
      expect({ e, accepted: theirs[i]!.accepted }).toEqual({ e, accepted: false });
      expect({ e, accepted: parseCalendar(e).ok }).toEqual({ e, accepted: false });
    });
  });

  for (const [tz, bases] of CASES) {
    for (const base of bases) {
      it(`same verdicts, normal forms and ${ITERATIONS} next elapses in TZ=${tz} from ${base}`, () => {
        const theirs = systemdVerdicts(expressions, tz, at(base));
        const disagreements: string[] = [];
        let accepted = 0;
        expressions.forEach((e, i) => {
          const ours = ourVerdict(e, tz, at(base));
          if (ours.accepted) accepted++;
          if (JSON.stringify(ours) !== JSON.stringify(theirs[i])) {
            disagreements.push(`${JSON.stringify(e)}: systemd ${JSON.stringify(theirs[i])}, ts-init ${JSON.stringify(ours)}`);
          }
        });
        console.log(`TZ=${tz} base ${base}: ${expressions.length - disagreements.length}/${expressions.length} agree (${accepted} accepted)`);
        expect(disagreements).toEqual([]);
      });
    }
  }
});
