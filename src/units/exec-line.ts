// Exec*= command lines (systemd.service(5), "Command lines") and the quoting rules
// shared with other list settings (Environment=, ...).
//
//   ExecStart=-@/usr/sbin/daemon daemon-name --flag "two words" 'x\ty' \x41
//   ExecStartPre=/bin/true ; /bin/echo second    (a lone ";" separates commands)
//
// Prefixes on the first word, in any order:
//   "-"  a failing exit status is ignored        "@"  the second word is argv[0]
//   ":"  no environment variable expansion        "+", "!", "!!"  privileged (at most one)
// Words are separated by whitespace; double and single quotes group words (a quote may
// start in the middle of a word); C-style escapes are decoded inside and outside quotes.
// The executable may be an absolute path or a plain name looked up in EXEC_SEARCH_PATH.

import { DEFAULT_SEARCH_PATH, searchPath } from '../sys/exec-path';

/** The fixed search path for executables given by plain name, as systemd uses it. */
export const EXEC_SEARCH_PATH = DEFAULT_SEARCH_PATH;

export interface WordToken {
  /** The word after quote removal and escape decoding. */
  text: string;
  /** The word as written. */
  raw: string;
  /** Offsets of `raw` in the source text. */
  start: number;
  end: number;
}

export interface SplitOptions {
  /** Decode C escapes (\n, \x41, ...). Otherwise a backslash takes the next character literally. */
  cunescape?: boolean;
  /** Keep invalid escapes and unterminated quotes instead of reporting them. */
  relax?: boolean;
}

export interface SplitResult {
  words: WordToken[];
  errors: string[];
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
  '\\': '\\', '"': '"', "'": "'", s: ' ',
};

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * Decode the C escape whose backslash is at s[i]. Returns the decoded text and how many
 * characters were consumed (backslash included), or undefined when it is not valid.
 * NUL characters are refused, as in systemd.
 */
export function decodeEscape(s: string, i: number): { value: string; length: number } | undefined {
  const c = s[i + 1];
  if (c === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return { value: simple, length: 2 };
  const hex = (n: number) => {
    const digits = s.slice(i + 2, i + 2 + n);
    return digits.length === n && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : undefined;
  };
  let code: number | undefined;
  let length = 0;
  if (c === 'x') {
    code = hex(2);
    length = 4;
  } else if (c === 'u') {
    code = hex(4);
    length = 6;
  } else if (c === 'U') {
    code = hex(8);
    length = 10;
  } else if (c >= '0' && c <= '7') {
    const digits = s.slice(i + 1, i + 4);
    if (/^[0-7]{3}$/.test(digits)) code = parseInt(digits, 8);
    length = 4;
    if (code !== undefined && code > 0o377) code = undefined;
  }
  if (code === undefined || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { value: String.fromCodePoint(code), length };
}

/** Split text into words following systemd's quoting rules. */
export function splitWords(text: string, options: SplitOptions = {}): SplitResult {
  const cunescape = options.cunescape ?? true;
  const relax = options.relax ?? false;
  const words: WordToken[] = [];
  const errors: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && isBlank(text[i]!)) i++;
    if (i >= n) break;
    const start = i;
    // A word without quotes or backslashes (nearly every word): one slice, not a string built
    // character by character (a boot splits thousands of command lines).
    let plain = i;
    while (plain < n) {
      const c = text[plain]!;
      if (isBlank(c) || c === '"' || c === "'" || c === '\\') break;
      plain++;
    }
    if (plain === n || isBlank(text[plain]!)) {
      const word = text.slice(start, plain);
      words.push({ text: word, raw: word, start, end: plain });
      i = plain;
      continue;
    }
    let buf = '';
    let quote = '';
    while (i < n) {
      const c = text[i]!;
      if (!quote && isBlank(c)) break;
      if (quote && c === quote) {
        quote = '';
        i++;
        continue;
      }
      if (!quote && (c === '"' || c === "'")) {
        quote = c;
        i++;
        continue;
      }
      if (c === '\\') {
        const next = text[i + 1];
        if (next === undefined) {
          if (relax) buf += '\\';
          else errors.push(`trailing backslash in "${text}"`);
          i++;
          continue;
        }
        if (!cunescape) {
          buf += next;
          i += 2;
          continue;
        }
        if (!quote && (next === ';' || next === ' ' || next === '\t')) {
          buf += next; // escaped separator
          i += 2;
          continue;
        }
        const esc = decodeEscape(text, i);
        if (esc) {
          buf += esc.value;
          i += esc.length;
        } else {
          if (relax) buf += `\\${next}`;
          else errors.push(`invalid escape "\\${next}" in "${text}"`);
          i += 2;
        }
        continue;
      }
      buf += c;
      i++;
    }
    if (quote && !relax) errors.push(`unterminated quote in "${text}"`);
    words.push({ text: buf, raw: text.slice(start, i), start, end: i });
  }
  return { words, errors };
}

export type PrivilegePrefix = '' | '+' | '!' | '!!';

export interface ParsedExec {
  /** Executable: an absolute path or a plain name to look up in EXEC_SEARCH_PATH. */
  path: string;
  argv: string[];
  ignoreFailure: boolean;
  argv0Override: boolean;
  /** True for "+", "!" and "!!": ts-init runs as root, so these only mean "no credential change". */
  privileged: boolean;
  privilegePrefix: PrivilegePrefix;
  noEnvExpand: boolean;
  /** The text of this command as written (one of several when ";" separates them). */
  raw: string;
}

export interface ExecParseResult {
  commands: ParsedExec[];
  errors: string[];
}

const PREFIX_CHARS = new Set(['-', '@', ':', '+', '!']);

/**
 * Parse the value of an Exec*= setting into one or more commands. `expand` is applied to
 * every word after quote removal (used for %-specifiers). An empty value gives no commands
 * and no errors: callers treat it as "reset the list".
 */
export function parseExecLine(value: string, expand?: (word: string) => string): ExecParseResult {
  const { words, errors } = splitWords(value, { cunescape: true });
  const result: ExecParseResult = { commands: [], errors: [...errors] };
  if (errors.length > 0) return result;
  // An empty value is a reset for the caller, not an empty command.
  if (words.length === 0) return result;

  // Indexed loops: a for-of makes an iterator per line when interpreted (a thousand services).
  const groups: WordToken[][] = [[]];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.raw === ';') groups.push([]);
    else groups[groups.length - 1]!.push(w);
  }
  // A trailing ";" is tolerated (it separates nothing).
  if (groups.length > 1 && groups[groups.length - 1]!.length === 0) groups.pop();

  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (group.length === 0) {
      result.errors.push(`empty command in "${value}"`);
      continue;
    }
    const cmd = parseOne(group, value, expand ?? ((w) => w));
    if (typeof cmd === 'string') result.errors.push(cmd);
    else result.commands.push(cmd);
  }
  return result;
}

function parseOne(group: WordToken[], source: string, expand: (w: string) => string): ParsedExec | string {
  const first = group[0]!;
  const raw = source.slice(first.start, group[group.length - 1]!.end);
  let ignoreFailure = false;
  let argv0Override = false;
  let noEnvExpand = false;
  let privilegePrefix: PrivilegePrefix = '';
  let k = 0;
  while (k < first.raw.length && PREFIX_CHARS.has(first.raw[k]!)) {
    const c = first.raw[k]!;
    if (c === '-' || c === '@' || c === ':') {
      const already = c === '-' ? ignoreFailure : c === '@' ? argv0Override : noEnvExpand;
      if (already) return `prefix "${c}" repeated in "${raw}"`;
      if (c === '-') ignoreFailure = true;
      else if (c === '@') argv0Override = true;
      else noEnvExpand = true;
      k++;
      continue;
    }
    if (privilegePrefix !== '') return `only one of "+", "!" and "!!" may be given, in "${raw}"`;
    if (c === '+') {
      privilegePrefix = '+';
      k++;
    } else if (first.raw[k + 1] === '!') {
      privilegePrefix = '!!';
      k += 2;
    } else {
      privilegePrefix = '!';
      k++;
    }
  }
  // Prefix characters are never escaped or quoted, so they map 1:1 onto the decoded word.
  const path = expand(first.text.slice(k));
  if (path === '') return `missing executable in "${raw}"`;
  if (path.includes('/') && !path.startsWith('/')) {
    return `executable path "${path}" must be absolute or a plain name, in "${raw}"`;
  }
  if (path.endsWith('/')) return `executable path "${path}" is a directory, in "${raw}"`;
  const rest = group.slice(1).map((w) => expand(w.text));
  let argv: string[];
  if (argv0Override) {
    if (rest.length === 0) return `"@" needs argv[0] as the second word, in "${raw}"`;
    argv = rest;
  } else {
    argv = [path, ...rest];
  }
  return {
    path,
    argv,
    ignoreFailure,
    argv0Override,
    privileged: privilegePrefix !== '',
    privilegePrefix,
    noEnvExpand,
    raw,
  };
}

/** Where a plain executable name would be found, given a predicate telling whether a path is executable. */
export function resolveExecPath(path: string, isExecutable: (candidate: string) => boolean): string | undefined {
  if (path.startsWith('/')) return path;
  return searchPath(path, EXEC_SEARCH_PATH, isExecutable);
}

export type EnvLookup = ReadonlyMap<string, string> | Readonly<Record<string, string | undefined>>;

function lookup(env: EnvLookup, name: string): string | undefined {
  if (env instanceof Map) return env.get(name);
  const rec = env as Readonly<Record<string, string | undefined>>;
  return  Object.hasOwn(rec, name) ? rec[name] : undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Runtime expansion inside one word: "${VAR}" becomes the value as-is (unset: empty),
 * "${VAR:-default}" and "${VAR:+alternative}" work as in the shell, "$$" is a literal "$".
 * A "$" followed by anything else is kept.
 */
export function expandEnvWord(word: string, env: EnvLookup): string {
  let out = '';
  let i = 0;
  while (i < word.length) {
    const c = word[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = word[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = word.indexOf('}', i + 2);
      if (close >= 0) {
        const inner = word.slice(i + 2, close);
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(inner);
        if (m) {
          const value = lookup(env, m[1]!);
          if (m[2] === '-') out += value === undefined || value === '' ? m[3]! : value;
          else if (m[2] === '+') out += value === undefined || value === '' ? '' : m[3]!;
          else out += value ?? '';
          i = close + 1;
          continue;
        }
      }
    }
    out += '$';
    i++;
  }
  return out;
}

/**
 * systemd's expansion of a command line at start time. A word that is exactly "$VAR" is
 * replaced by the variable's value split into words (zero words when unset or blank;
 * quotes in the value group words); every other word goes through expandEnvWord and stays
 * one word.
 */
export function expandEnv(argv: readonly string[], env: EnvLookup): string[] {
  const out: string[] = [];
  for (const word of argv) {
    if (word.length > 1 && word[0] === '$' && NAME.test(word.slice(1))) {
      const value = lookup(env, word.slice(1));
      if (value !== undefined) {
        for (const w of splitWords(value, { cunescape: false, relax: true }).words) out.push(w.text);
      }
      continue;
    }
    out.push(expandEnvWord(word, env));
  }
  return out;
}
