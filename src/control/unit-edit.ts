// `systemctl edit`: a drop-in (override.conf, or --drop-in=NAME) or, with --full, a copy of
// the unit file in /etc/systemd/system, edited in a temporary file beside it with the
// operator's editor ($SYSTEMD_EDITOR, $EDITOR, $VISUAL, then editor, nano, vim, vi, as
// systemd tries them). The drop-in's temporary file carries systemd's markers and the unit's
// files as comments; what is between the markers becomes the file. An empty result removes
// the drop-in. The caller reloads afterwards.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ETC_UNIT_DIR = '/etc/systemd/system';
export const EDIT_MARKER_START = '### Anything between here and the comment below will become the new contents of the file';
export const EDIT_MARKER_END = '### Lines below this comment will be discarded';
/** Tried in this order when no editor is named (or the named one is not there). */
export const FALLBACK_EDITORS = ['editor', 'nano', 'vim', 'vi'];

/** The temporary file's text for a drop-in: its current text between the markers, the unit's files commented out after. Pure. */
export function dropInTemplate(target: string, current: string, shown: ReadonlyArray<{ path: string; text: string }>): string {
  let t = `### Editing ${target}\n${EDIT_MARKER_START}\n\n${current}${current.endsWith('\n') ? '' : '\n'}\n${EDIT_MARKER_END}`;
  for (const f of shown) {
    if (f.path === target) continue;
    t += `\n\n### ${f.path}`;
    const body = f.text.trim();
    if (body) t += `\n# ${body.replace(/\n/g, '\n# ')}`;
  }
  return `${t}\n`;
}

/** What is kept of an edited drop-in: the text between the markers, trimmed ("" when nothing is left). Pure. */
export function trimEditMarkers(text: string): string {
  const s = text.indexOf(EDIT_MARKER_START);
  let body = s >= 0 ? text.slice(s + EDIT_MARKER_START.length) : text;
  const e = body.indexOf(EDIT_MARKER_END);
  if (e >= 0) body = body.slice(0, e);
  body = body.trim();
  return body ? `${body}\n` : '';
}

/** The editor's command line for the files: the named editor's words (split at blanks, as systemd splits them), or undefined. */
export function namedEditor(env: NodeJS.ProcessEnv): string[] | undefined {
  const e = env.SYSTEMD_EDITOR || env.EDITOR || env.VISUAL;
  const words = e?.split(/\s+/).filter(Boolean);
  return words?.length ? words : undefined;
}

export interface EditRequest {
  unit: string;
  /** The unit's loaded files, fragment first ("" fragment: none). */
  fragment: string;
  dropIns: readonly string[];
  full: boolean;
  dropInName?: string;
  env: NodeJS.ProcessEnv;
  err: (s: string) => void;
  root?: string;
}

export type EditOutcome = 'changed' | 'unchanged' | 'no-editor';

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** Runs the editor on the file; false when no editor could be started. */
function runEditor(file: string, env: NodeJS.ProcessEnv): boolean {
  const named = namedEditor(env);
  const tries = [...(named ? [named] : []), ...FALLBACK_EDITORS.map((e) => [e])];
  for (const [cmd, ...args] of tries) {
    const r = spawnSync(cmd!, [...args, file], { stdio: 'inherit', env });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') continue;
    return true;
  }
  return false;
}

/** Edits one unit's drop-in or full file; says what changed on err, as systemctl does. */
export function editUnit(q: EditRequest): EditOutcome {
  const root = q.root ?? ETC_UNIT_DIR;
  const name = q.dropInName ? (q.dropInName.endsWith('.conf') ? q.dropInName : `${q.dropInName}.conf`) : 'override.conf';
  const target = q.full ? path.join(root, q.unit) : path.join(root, `${q.unit}.d`, name);
  const dir = path.dirname(target);
  const madeDir = !fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.#${path.basename(target)}${crypto.randomBytes(8).toString('hex')}`);
  const files = [q.fragment, ...q.dropIns].filter(Boolean);
  const existed = fs.existsSync(target);
  const text = q.full
    ? readOr(target, q.fragment ? readOr(q.fragment, '') : '')
    : dropInTemplate(target, readOr(target, ''), files.map((f) => ({ path: f, text: readOr(f, '') })));
  fs.writeFileSync(tmp, text, { mode: 0o644 });
  try {
    if (!runEditor(tmp, q.env)) {
      q.err('Cannot edit units, no editor available. Please set either $SYSTEMD_EDITOR, $EDITOR or $VISUAL.\n');
      return 'no-editor';
    }
    const edited = readOr(tmp, '');
    const result = q.full ? edited : trimEditMarkers(edited);
    if (result.trim() === '') {
      if (!existed || q.full) {
        q.err(`Editing "${target}" canceled: temporary file is empty.\n`);
        return 'unchanged';
      }
      fs.unlinkSync(target);
      q.err(`Removed "${target}".\n`);
      return 'changed';
    }
    fs.writeFileSync(tmp, result);
    fs.renameSync(tmp, target);
    return 'changed';
  } finally {
    fs.rmSync(tmp, { force: true });
    if (madeDir) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // not empty: it holds the new file
      }
    }
  }
}
