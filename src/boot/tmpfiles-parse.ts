// tmpfiles.d(5) lines, parsed: "Type Path Mode User Group Age Argument", "-" for the
// default, C-style quoting of the path, the type's modifiers (+ ! - = ~ ^ $), and the
// specifiers of the system manager (%t is /run, %S /var/lib, ...). Pure.

export type TmpfilesType =
  | 'f' | 'F' | 'w' | 'd' | 'D' | 'e' | 'v' | 'q' | 'Q' | 'p' | 'L' | 'c' | 'b' | 'C' | 'x' | 'X' | 'r' | 'R'
  | 'z' | 'Z' | 't' | 'T' | 'h' | 'H' | 'a' | 'A';

const TYPES = new Set('fFwdDevqQpLcbCxXrRzZtThHaA'.split(''));

export interface TmpfilesLine {
  type: TmpfilesType;
  /** "+": overwrite / recreate / append, per type. */
  plus: boolean;
  /** "!": only at boot. */
  bootOnly: boolean;
  /** "-": failing to create is not an error. */
  ignoreErrors: boolean;
  /** "=": remove what is in the way when it is of another kind. */
  force: boolean;
  /** "^": the argument names a credential. */
  credential: boolean;
  path: string;
  /** Octal mode, undefined for "-". */
  mode?: number;
  /** "~" before the mode: masked by the bits the existing file has. */
  modeMasked: boolean;
  user?: string;
  group?: string;
  age?: string;
  argument?: string;
  file: string;
  line: number;
}

export interface SpecifierValues {
  architecture: string;
  bootId?: string;
  hostname: string;
  machineId?: string;
  kernelRelease: string;
  osRelease: Readonly<Record<string, string>>;
}

/** skip: the line cannot apply on this machine (a specifier without a value), not an error in it. */
export type ParseOutcome = { line: TmpfilesLine } | { error: string } | { skip: string };

/** Splits off one field: blank-separated, with "..." / '...' quotes and C escapes. */
function nextField(s: string, at: number): { value: string; end: number } | undefined {
  let i = at;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  if (i >= s.length) return undefined;
  let out = '';
  let quote: string | undefined;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && i + 1 < s.length) out += unescapeOne(s, ++i, (n) => (i = n));
      else out += c;
    } else if (c === '"' || c === "'") quote = c;
    else if (/\s/.test(c)) break;
    else if (c === '\\' && i + 1 < s.length) out += unescapeOne(s, ++i, (n) => (i = n));
    else out += c;
  }
  if (quote) return undefined;
  return { value: out, end: i };
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'", s: ' ' };

/** One C escape starting at s[i] (after the backslash); moves the index with setI. */
function unescapeOne(s: string, i: number, setI: (n: number) => void): string {
  const c = s[i]!;
  if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c]!;
  if (c === 'x' && /^[0-9a-fA-F]{2}/.test(s.slice(i + 1))) {
    setI(i + 2);
    return String.fromCharCode(Number.parseInt(s.slice(i + 1, i + 3), 16));
  }
  if (/[0-7]/.test(c) && /^[0-7]{3}/.test(s.slice(i))) {
    setI(i + 2);
    return String.fromCharCode(Number.parseInt(s.slice(i, i + 3), 8));
  }
  return `\\${c}`;
}

/** C escapes in an argument ("\n" and friends), as systemd-tmpfiles unescapes f/w contents. */
export function cUnescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) out += unescapeOne(s, ++i, (n) => (i = n));
    else out += s[i];
  }
  return out;
}

/** The specifiers tmpfiles.d(5) lists, for the system instance (root). */
export function expandTmpfilesSpecifiers(text: string, v: SpecifierValues): { value: string } | { error: string } {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const k = text[++i];
    const os = v.osRelease;
    const table: Record<string, string | undefined> = {
      '%': '%', a: v.architecture, A: os.IMAGE_VERSION ?? '', b: v.bootId, B: os.BUILD_ID ?? '', C: '/var/cache',
      g: 'root', G: '0', h: '/root', H: v.hostname, l: v.hostname.split('.')[0], L: '/var/log', m: v.machineId,
      M: os.IMAGE_ID ?? '', o: os.ID ?? '', S: '/var/lib', t: '/run', T: '/tmp', u: 'root', U: '0',
      v: v.kernelRelease, V: '/var/tmp', w: os.VERSION_ID ?? '', W: os.VARIANT_ID ?? '',
    };
    if (k === undefined || !(k in table)) return { error: `unknown specifier %${k ?? ''}` };
    const value = table[k];
    if (value === undefined) return { error: `specifier %${k} has no value on this machine` };
    out += value;
  }
  return { value: out };
}

const GLOB_TYPES = new Set<TmpfilesType>(['w', 'e', 'x', 'X', 'r', 'R', 'z', 'Z', 't', 'T', 'h', 'H', 'a', 'A']);

export function takesGlob(t: TmpfilesType): boolean {
  return GLOB_TYPES.has(t);
}

/** One non-empty, non-comment line. */
export function parseTmpfilesLine(text: string, file: string, lineNo: number, spec: SpecifierValues): ParseOutcome {
  const fields: string[] = [];
  let at = 0;
  for (let n = 0; n < 6; n++) {
    const f = nextField(text, at);
    if (!f) break;
    fields.push(f.value);
    at = f.end;
  }
  const rest = text.slice(at).replace(/^\s+/, '');
  if (fields.length < 2) return { error: 'syntax error: a line needs at least a type and a path' };
  const [typeField, rawPath, modeField, user, group, age] = fields as [string, string, ...Array<string | undefined>];
  const t = typeField[0]!;
  if (!TYPES.has(t)) return { error: `unknown line type '${t}'` };
  const mods = typeField.slice(1);
  // '$' (systemd 256) marks a line for `systemd-tmpfiles --purge`; boot applies it as any other.
  if (!/^[+!\-=~^$]*$/.test(mods)) return { error: `unknown modifier in '${typeField}'` };
  const type = t as TmpfilesType;
  const expanded = expandTmpfilesSpecifiers(rawPath, spec);
  if ('error' in expanded) {
    // An image without a machine id yet (machine-id is empty in images) cannot resolve %m.
    if (expanded.error.includes('has no value')) return { skip: `path "${rawPath}": ${expanded.error}` };
    return { error: `path "${rawPath}": ${expanded.error}` };
  }
  const path = expanded.value.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  if (!path.startsWith('/')) return { error: `path "${path}" is not absolute` };
  const line: TmpfilesLine = {
    type,
    plus: mods.includes('+'),
    bootOnly: mods.includes('!'),
    ignoreErrors: mods.includes('-'),
    force: mods.includes('='),
    credential: mods.includes('^'),
    path,
    modeMasked: false,
    file,
    line: lineNo,
  };
  if (modeField !== undefined && modeField !== '-' && modeField !== '') {
    let m = modeField;
    if (m.startsWith('~')) {
      line.modeMasked = true;
      m = m.slice(1);
    }
    if (m.startsWith(':')) m = m.slice(1);
    if (!/^[0-7]{1,4}$/.test(m)) return { error: `invalid mode '${modeField}'` };
    line.mode = Number.parseInt(m, 8);
  }
  const set = (key: 'user' | 'group' | 'age', v: string | undefined) => {
    if (v !== undefined && v !== '-' && v !== '') line[key] = v;
  };
  set('user', user);
  set('group', group);
  set('age', age);
  if (rest !== '') {
    let arg = rest;
    if (mods.includes('~')) {
      arg = Buffer.from(arg, 'base64').toString();
    } else if (!line.credential) {
      const e = expandTmpfilesSpecifiers(arg, spec);
      if ('error' in e) return { error: `argument "${arg}": ${e.error}` };
      arg = e.value;
      if (type === 'f' || type === 'F' || type === 'w') arg = cUnescape(arg);
    }
    line.argument = arg;
  }
  if ((type === 'L' || type === 'C') && line.argument === undefined) line.argument = `/usr/share/factory${path}`;
  return { line };
}

/** Every line of one file; comments and blank lines are skipped, a bad line is reported and skipped. */
export function parseTmpfilesText(text: string, file: string, spec: SpecifierValues): { lines: TmpfilesLine[]; errors: string[]; skipped: string[] } {
  const lines: TmpfilesLine[] = [];
  const errors: string[] = [];
  const skipped: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const r = parseTmpfilesLine(t, file, i + 1, spec);
    if ('error' in r) errors.push(`${file}:${i + 1}: ${r.error}`);
    else if ('skip' in r) skipped.push(`${file}:${i + 1}: ${r.skip}`);
    else lines.push(r.line);
  });
  return { lines, errors, skipped };
}
