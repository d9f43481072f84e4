// Lexical layer of systemd-style unit files: splits a text into sections and
// Key=Value assignments, keeping the file and line of everything. It knows nothing
// about what the keys mean; see unit.ts for that.
//
// Rules (systemd.syntax(7)):
//   - leading and trailing whitespace of every line is ignored;
//   - empty lines and lines whose first non-blank character is '#' or ';' are comments;
//   - a line ending in an (unescaped) backslash continues on the next line; the backslash
//     becomes a space; comment lines between the pieces are skipped; an empty line ends
//     the continuation;
//   - "[Name]" opens a section; "Key=Value" with whitespace around both trimmed;
//   - repeated keys are kept in order, and "Key=" (empty value) is kept as well.
// Bad lines give a Diagnostic and are skipped. Nothing here throws.

import type { Diagnostic } from './diagnostic';

export interface Assignment {
  section: string;
  key: string;
  value: string;
  file: string;
  /** 1-based line where the assignment starts (the first piece of a continued line). */
  line: number;
}

export interface Section {
  name: string;
  file: string;
  line: number;
  /** Assignments of this occurrence of the section, in file order. */
  entries: Assignment[];
}

export interface ParsedFile {
  file: string;
  /** Every section header in file order; a name may occur several times. */
  sections: Section[];
  /** All assignments of the file in order (the same objects as in `sections`). */
  assignments: Assignment[];
  diagnostics: Diagnostic[];
}

function isComment(trimmed: string): boolean {
  return trimmed.startsWith('#') || trimmed.startsWith(';');
}

/** True when the text ends in an odd number of backslashes (a continuation). */
function endsWithContinuation(text: string): boolean {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** A continued line's piece: its final backslash (and blanks after it) becomes a space. */
function withoutContinuation(raw: string): string {
  return `${raw.trimEnd().slice(0, -1)} `;
}

export function parseUnitText(text: string, file: string): ParsedFile {
  const result: ParsedFile = { file, sections: [], assignments: [], diagnostics: [] };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  // A trailing newline yields one empty last element: not a line of its own.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();

  let current: Section | undefined;
  // After a malformed section header its assignments are dropped silently (the header
  // already produced an error).
  let inBrokenSection = false;
  let pending: { parts: string[]; line: number } | undefined;

  const warn = (line: number, message: string, severity: Diagnostic['severity'] = 'warning') => {
    result.diagnostics.push({ file, line, severity, message });
  };

  const handleLogical = (raw: string, line: number) => {
    const l = raw.trim();
    if (l === '' || isComment(l)) return;
    if (l.startsWith('[')) {
      if (!l.endsWith(']') || l.length < 3) {
        warn(line, `invalid section header "${l}"`, 'error');
        current = undefined;
        inBrokenSection = true;
        return;
      }
      current = { name: l.slice(1, -1), file, line, entries: [] };
      inBrokenSection = false;
      result.sections.push(current);
      return;
    }
    const eq = l.indexOf('=');
    if (eq < 0) {
      warn(line, `missing '=' in "${l}"; line ignored`);
      return;
    }
    const key = l.slice(0, eq).trim();
    const value = l.slice(eq + 1).trim();
    if (key === '') {
      warn(line, `assignment without a key "${l}"; line ignored`);
      return;
    }
    if (!current) {
      if (!inBrokenSection) warn(line, `assignment "${key}=" outside of any section; line ignored`);
      return;
    }
    const a: Assignment = { section: current.name, key, value, file, line };
    current.entries.push(a);
    result.assignments.push(a);
  };

  // The pieces of a continued line are collected and joined once at its end, so a
  // file of many continued lines is parsed in linear time.
  const flush = (): void => {
    if (!pending) return;
    handleLogical(pending.parts.join(''), pending.line);
    pending = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const trimmed = raw.trim();

    if (pending) {
      if (trimmed !== '' && isComment(trimmed)) continue; // comments inside a continuation
      if (trimmed === '') {
        flush();
        continue;
      }
      if (endsWithContinuation(trimmed)) {
        pending.parts.push(withoutContinuation(raw));
      } else {
        pending.parts.push(raw);
        flush();
      }
      continue;
    }

    if (trimmed === '' || isComment(trimmed)) continue;
    if (endsWithContinuation(trimmed) && !trimmed.startsWith('[')) {
      pending = { parts: [withoutContinuation(raw)], line: lineNo };
      continue;
    }
    // Trimmed once: handleLogical's trim of it finds nothing more to take.
    handleLogical(trimmed, lineNo);
  }
  flush();
  return result;
}

/** All assignments of several files (main file first, then drop-ins) in application order. */
export function concatAssignments(files: readonly ParsedFile[]): Assignment[] {
  return files.flatMap((f) => f.assignments);
}
