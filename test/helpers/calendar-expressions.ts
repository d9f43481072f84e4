// Calendar expressions to hold the parser to systemd's: the OnCalendar= lines of Debian's own
// timer units, and a seeded generator over systemd.time(7)'s grammar (with mutations that are
// mostly malformed).

/** OnCalendar= of Debian 12/13's timer units (and a few common packages'). */
export const DEBIAN_TIMER_CALENDARS: readonly string[] = [
  'daily', // logrotate, man-db, dpkg-db-backup, exim4-base, plocate, mlocate, shadow, atop-rotate
  '*-*-* 6,18:00', // apt-daily, fwupd-refresh
  '*-*-* 6:00', // apt-daily-upgrade
  'Sun *-*-* 03:10:00', // e2scrub_all, xfs_scrub_all
  '*-*-* *:09,39:00', // phpsessionclean
  '*:00/10', // sysstat-collect
  '00:07:00', // sysstat-summary
  '*-*-* 00,12:00:00', // certbot, motd-news
  'weekly', // fstrim
  'monthly', // btrfs-scrub
  'Sun *-*-1..7 1:00:00', // mdadm mdcheck_start
  '1:05:00', // mdadm mdcheck_continue
  '*-*-* 07..23:30', // anacron
  'hourly',
  'minutely',
  'yearly',
  'annually',
  'quarterly',
  'semiannually',
];

export { seededRandom } from './seeded-random';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'Monday', 'friday', 'SUNDAY', 'wed'];
const ZONES = [' UTC', ' utc', ' Europe/Berlin', ' America/New_York', ' Asia/Kolkata', ' Australia/Lord_Howe', ' Etc/UTC'];
const SHORTHANDS = ['minutely', 'hourly', 'daily', 'monthly', 'weekly', 'yearly', 'annually', 'quarterly', 'semiannually', 'semi-annually', 'biannually', 'Daily', 'WEEKLY'];

/** One expression over the grammar, valid or nearly so (values may leave their range). */
export function generateExpression(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pad = (n: number): string => (rnd() < 0.5 ? String(n).padStart(2, '0') : String(n));
  const field = (lo: number, hi: number, slack: number): string => {
    if (rnd() < 0.3) return '*';
    const n = int(1, rnd() < 0.8 ? 1 : 3);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = int(lo, hi + slack);
      const r = rnd();
      if (r < 0.55) parts.push(pad(a));
      else if (r < 0.75) parts.push(`${pad(a)}..${pad(int(a, hi + slack))}`);
      else if (r < 0.92) parts.push(`${pad(a)}/${int(1, Math.max(1, Math.floor((hi - lo) / 2)) + slack)}`);
      else parts.push(`${pad(a)}..${pad(int(a, hi))}/${int(1, 5)}`);
    }
    return parts.join(',');
  };
  if (rnd() < 0.06) return pick(SHORTHANDS) + (rnd() < 0.3 ? pick(ZONES) : '');
  let out = '';
  if (rnd() < 0.3) {
    const n = int(1, 2);
    const items: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = int(0, 6);
      const b = int(0, 6);
      const r = rnd();
      items.push(r < 0.5 ? pick(WEEKDAYS) : `${WEEKDAYS[Math.min(a, b)]}${r < 0.9 ? '..' : '-'}${WEEKDAYS[Math.max(a, b)]}`);
    }
    out += items.join(',') + ' ';
  }
  const dateKind = rnd();
  if (dateKind < 0.7) {
    const eom = rnd() < 0.15;
    const day = eom ? field(1, 7, 0) : field(1, 28, 4);
    if (rnd() < 0.6) out += `${rnd() < 0.7 ? '*' : field(2025, 2032, 0)}-`;
    out += `${field(1, 12, 1)}${eom ? '~' : '-'}${day}`;
    if (rnd() < 0.8) out += ' ';
  }
  if (dateKind >= 0.2 && (out === '' || out.endsWith(' '))) {
    out += `${field(0, 23, 1)}:${field(0, 59, 1)}`;
    if (rnd() < 0.5) {
      const s = rnd();
      out += ':' + (s < 0.25 ? `${int(0, 59)}.${int(0, 999999)}` : s < 0.35 ? `*/${int(1, 30)}` : s < 0.45 ? `0/${int(1, 20)}.5` : field(0, 59, 1));
    }
  }
  out = out.trimEnd();
  if (out === '') out = 'daily';
  if (rnd() < 0.2) out += pick(ZONES);
  return out;
}

/** `expr` with one random character inserted, removed, doubled or replaced: mostly malformed. */
export function mutateExpression(expr: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (expr.length + 1));
  const junk = pick1(rnd, ['-', ':', '.', ',', '/', '~', ' ', '*', 'x', '9', '..', '@', '\t', 'Mon']);
  const r = rnd();
  if (r < 0.3) return expr.slice(0, at) + junk + expr.slice(at);
  if (r < 0.55) return expr.slice(0, at) + expr.slice(at + 1);
  if (r < 0.75) return expr.slice(0, at) + expr.slice(at, at + 1).repeat(2) + expr.slice(at + 1);
  return expr.slice(0, at) + junk + expr.slice(at + 1);
}

function pick1<T>(rnd: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)]!;
}

/** Hand-picked malformed expressions: systemd refuses every one. */
export const MALFORMED_CALENDARS: readonly string[] = [
  '', ' ', 'bad', 'Mon..', 'Fri..Mon', 'Mon.Fri', '*-*-* 25:00', '*-13-01', '*-00-01', '*-02-32', '*:60', '*:*:60',
  '*:0/60', '*:0/0', '*-*-* 1.5:00', '*-*~*-1', '*-05~29', '2200-01-01', '1969-01-01', '12:00 Mars/Olympus',
  '12:00 europe/berlin', '*-*-* 12', '12:00:00:00', '*-*-*-*', 'daily daily', '@', '@x', '*:*:1.', '1..', '*:1..',
  '*:5..3', 'Mon-', 'Tue..Mon', 'Mond', '99999999999999999999:00', `*:${Array.from({ length: 250 }, (_, i) => i % 60).join(',')}`,
];
