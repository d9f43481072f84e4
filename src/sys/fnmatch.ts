// fnmatch(3)'s shell patterns, the one matcher for everyone: conditions (ConditionHost=,
// ConditionOSRelease=, ...) and systemctl's list verbs. Pure.

export interface FnmatchFlags {
  /** FNM_NOESCAPE: a backslash is an ordinary character (systemctl's patterns). */
  noEscape?: boolean;
}

const WILDCARD = /[*?[]/;

/** Whether a pattern holds a wildcard (`*`, `?`, `[`), or would only match itself. */
export function hasWildcard(pattern: string): boolean {
  return WILDCARD.test(pattern);
}

/** Whether s matches pattern: `*`, `?`, `[...]` (`[!...]` negated), `\` escaping unless noEscape. */
export function fnmatch(pattern: string, s: string, flags: FnmatchFlags = {}): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && !flags.noEscape && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(s);
}
