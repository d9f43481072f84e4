// systemd's object paths for units and jobs (pure). A unit's name becomes one path
// element as systemd's bus_label_escape makes it: every byte that is not an ASCII
// letter, or a digit after the first byte, becomes `_` and two lower-case hex digits
// (ssh.service → ssh_2eservice); the empty name is `_`.

export const MANAGER_PATH = '/org/freedesktop/systemd1';
export const UNIT_PREFIX = '/org/freedesktop/systemd1/unit/';
export const JOB_PREFIX = '/org/freedesktop/systemd1/job/';

const isAlpha = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

export function escapeLabel(s: string): string {
  if (s === '') return '_';
  let out = '';
  const bytes = Buffer.from(s, 'utf8');
  bytes.forEach((b, i) => {
    out += isAlpha(b) || (i > 0 && isDigit(b)) ? String.fromCharCode(b) : `_${b.toString(16).padStart(2, '0')}`;
  });
  return out;
}

/** The name a label stands for, or undefined when it is not one escapeLabel makes. */
export function unescapeLabel(label: string): string | undefined {
  if (label === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 0x5f) {
      const hex = label.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (isAlpha(c) || isDigit(c)) bytes.push(c);
    else return undefined;
  }
  const b = Buffer.from(bytes);
  return b.toString('utf8');
}

export const unitPath = (name: string): string => UNIT_PREFIX + escapeLabel(name);
export const jobPath = (id: number): string => `${JOB_PREFIX}${id}`;

/** The unit a unit object path names, or undefined. */
export function unitOfPath(path: string): string | undefined {
  if (!path.startsWith(UNIT_PREFIX)) return undefined;
  const label = path.slice(UNIT_PREFIX.length);
  if (!label || label.includes('/')) return undefined;
  return unescapeLabel(label);
}
