// `systemd-analyze calendar EXPR...` as systemd 252 prints it (ts-init linked as
// systemd-analyze): the original and normalised forms, the next elapses in local time (and in
// UTC when the local zone is another), and how far off they are. Its other verbs are systemd's
// alone. The printing is pure (`calendarReport`); the front reads the clock and the options.
import { formatCalendar, parseCalendar } from '../units/calendar';
import { nextElapse } from '../units/calendar-next';
import { formatRelative } from './relative-time';
import { formatTimestamp } from './timestamp';

/** A moment (µs) as systemd-analyze 252 shows it: to the second. */
function when(us: number, utc: boolean): string {
  const ms = Math.floor(us / 1000);
  return utc ? formatUtc(ms) : formatTimestamp(ms);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const two = (n: number): string => String(n).padStart(2, '0');

function formatUtc(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

export interface CalendarReport {
  out: string;
  err: string;
  ok: boolean;
}

/** The report for each expression, `nowUs` the base, `localIsUtc` whether "(in UTC)" lines are left out. */
export function calendarReport(expressions: readonly string[], nowUs: number, iterations: number, localIsUtc: boolean): CalendarReport {
  let out = '';
  let err = '';
  let ok = true;
  expressions.forEach((text, i) => {
    if (i > 0) out += '\n';
    const parsed = parseCalendar(text);
    if (!parsed.ok) {
      err += `Failed to parse calendar specification '${text}': Invalid argument\n`;
      ok = false;
      return;
    }
    out += `  Original form: ${text}\nNormalized form: ${formatCalendar(parsed.spec)}\n`;
    let at = nowUs;
    for (let n = 1; n <= iterations; n++) {
      const next = nextElapse(parsed.spec, at);
      if (next === undefined) {
        if (n === 1) out += '    Next elapse: never\n';
        break;
      }
      out += `${n === 1 ? '    Next elapse' : `       Iter. #${n}`}: ${when(next, false)}\n`;
      if (!localIsUtc) out += `       (in UTC): ${when(next, true)}\n`;
      out += `       From now: ${formatRelative(next, nowUs)}\n`;
      at = next;
    }
  });
  return { out, err, ok };
}

const USAGE = 'systemd-analyze calendar [--iterations=N] SPEC...\n';

export function systemdAnalyzeMain(argv: readonly string[]): void {
  const args = [...argv];
  let iterations = 1;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--iterations(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[1] ?? args[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) return fail(`Failed to parse iterations: ${v ?? ''}`);
      iterations = n;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return;
    } else rest.push(a);
  }
  const [verb, ...expressions] = rest;
  if (verb !== 'calendar') return fail(verb === undefined ? USAGE.trimEnd() : `Unknown command verb '${verb}': ts-init's systemd-analyze has only "calendar"`);
  if (expressions.length === 0) return fail('Too few arguments.');
  const r = calendarReport(expressions, Date.now() * 1000, iterations, new Date().getTimezoneOffset() === 0 && isUtcZone());
  process.stdout.write(r.out);
  process.stderr.write(r.err);
  process.exitCode = r.ok ? 0 : 1;
}

/** Whether the local zone is UTC itself (not merely at offset 0 now, as London in winter). */
function isUtcZone(): boolean {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/Universal' || zone === 'Universal' || zone === 'Zulu' || zone === 'Etc/Zulu';
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}
