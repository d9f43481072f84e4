// The systemctl front's verbs beyond jobs and states: cat, edit, mask/unmask, revert, preset,
// list-dependencies, list-sockets, list-jobs, is-system-running, the manager environment,
// get-/set-default, reset-failed, help, and status without units, each with systemd 252's
// words and exit codes. Files a unit is read from are read here, as the caller (systemctl reads
// them itself too); what changes unit files is done by ts-init, then the front reloads.
import { spawnSync } from 'node:child_process';
import { readRegularFile } from '../process/bounded-file';
import { dependencyGraph, renderDependencyTree } from './dependency-tree';
import { renderSystemStatus, type TreeUnit } from './format';
import { renderJobs, renderSockets, renderTimers, type SocketRow, type TimerRow } from './list-tables';
import type { JobInfo, JobResult, ReloadReport, SystemStatus, UnitFileChange, UnitStatus } from './manager';
import type { Verb } from './protocol';
import { shellMaybeQuote } from './shell-words';
import { editUnit } from './unit-edit';

/** What the verbs here need of the front: its output, its flags, and a way to ask ts-init. */
export interface FrontContext {
  out: (s: string) => void;
  err: (s: string) => void;
  ask: <T>(verb: Verb, params: Record<string, unknown>) => Promise<T>;
  /** Unit names as typed ("cron" -> "cron.service"), and the words after the verb as typed. */
  units: string[];
  args: string[];
  flags: {
    quiet: boolean;
    legend: boolean;
    all: boolean;
    full: boolean;
    force: boolean;
    reverse: boolean;
    noReload: boolean;
    dropIn?: string;
    types: string[];
  };
  env: NodeJS.ProcessEnv;
  version: string;
  /** stdout and stderr are terminals (edit needs one). */
  onTty: boolean;
}

/** The result codes of these verbs (systemctl's LSB codes). */
const OK = 0;
const FAILURE = 1;

/** A unit file bigger than this is not shown by cat (a unit file is a few KB). */
const CAT_MAX_BYTES = 4 * 1024 * 1024;

/** -t/--type: the unit's type is one of those given (none given: all). */
export function ofTypes(types: readonly string[], name: string): boolean {
  return types.length === 0 || types.includes(name.slice(name.lastIndexOf('.') + 1));
}

/** daemon-reload after a change of unit files, as systemctl does it (a broken file is ts-init's to log, not the verb's). */
async function reloadAfter(c: FrontContext): Promise<void> {
  if (!c.flags.noReload) await c.ask<ReloadReport>('daemon-reload', {});
}

function sayChanges(c: FrontContext, results: readonly UnitFileChange[], what: string): number {
  let code = OK;
  for (const r of results) {
    if (!c.flags.quiet) for (const line of r.changes) c.err(`${line}\n`);
    if (r.warning && !c.flags.quiet) c.err(`${r.warning}\n`);
    if (r.error) {
      c.err(`Failed to ${what}: ${r.error}\n`);
      code = FAILURE;
    }
  }
  return code;
}

function unitFiles(s: UnitStatus): { fragment: string; dropIns: string[] } {
  return { fragment: s.properties.FragmentPath ?? '', dropIns: (s.properties.DropInPaths ?? '').split(' ').filter(Boolean) };
}

async function cat(c: FrontContext): Promise<number> {
  const st = await c.ask<UnitStatus[]>('status', { units: c.units });
  let code = OK;
  let first = true;
  for (const s of st) {
    const { fragment, dropIns } = unitFiles(s);
    const files = [fragment, ...dropIns].filter(Boolean);
    if (s.loadState === 'not-found' || files.length === 0) {
      c.err(`No files found for ${s.name}.\n`);
      code = FAILURE;
      continue;
    }
    if (!first) c.out('\n');
    first = false;
    files.forEach((f, i) => {
      const r = readRegularFile(f, CAT_MAX_BYTES);
      if (!r.ok) {
        c.err(`Failed to open "${f}": ${r.message}\n`);
        code = FAILURE;
        return;
      }
      c.out(`${i > 0 ? '\n' : ''}# ${f}\n${r.text}`);
    });
  }
  return code;
}

async function edit(c: FrontContext): Promise<number> {
  // As systemctl 252: an editor needs a terminal (stdout and stderr).
  if (!c.onTty) {
    c.err('Cannot edit units if not on a tty.\n');
    return FAILURE;
  }
  const st = await c.ask<UnitStatus[]>('status', { units: c.units });
  let changed = false;
  for (const s of st) {
    const { fragment, dropIns } = unitFiles(s);
    if ((s.loadState === 'not-found' || !fragment) && !c.flags.force) {
      c.err(`No files found for ${s.name}.\nRun 'systemctl edit --force --full ${s.name}' to create a new unit.\n`);
      return FAILURE;
    }
    try {
      const r = editUnit({ unit: s.name, fragment, dropIns, full: c.flags.full, dropInName: c.flags.dropIn, env: c.env, err: c.err });
      if (r === 'no-editor') return FAILURE;
      changed ||= r === 'changed';
    } catch (err) {
      c.err(`Failed to edit ${s.name}: ${(err as Error).message}\n`);
      return FAILURE;
    }
  }
  if (changed) await reloadAfter(c);
  return OK;
}

async function unitFileVerb(c: FrontContext, verb: 'mask' | 'unmask' | 'revert' | 'preset'): Promise<number> {
  const res = await c.ask<UnitFileChange[]>(verb, { units: c.units });
  const code = sayChanges(c, res, `${verb} unit`);
  if (res.some((r) => r.changes.length)) await reloadAfter(c);
  return code;
}

async function listDependencies(c: FrontContext): Promise<number> {
  const all = await c.ask<UnitStatus[]>('list-units', {});
  const nodes = dependencyGraph(all, c.flags.reverse);
  const roots = c.units.length ? c.units : ['default.target'];
  for (const root of roots) {
    // default.target is an alias: the tree starts at the unit it names, under the name asked for.
    const canonical = nodes.has(root) ? root : root === 'default.target' ? await c.ask<string>('get-default', {}) : root;
    const shown = new Map(nodes);
    if (canonical !== root) shown.set(root, nodes.get(canonical) ?? { activeState: 'inactive', deps: [] });
    c.out(renderDependencyTree(root, shown, { all: c.flags.all }));
  }
  return OK;
}

async function listSockets(c: FrontContext): Promise<number> {
  const all = await c.ask<UnitStatus[]>('list-units', {});
  const rows: SocketRow[] = [];
  for (const u of all) {
    if (!u.name.endsWith('.socket') || !ofTypes(c.flags.types.length ? c.flags.types : ['socket'], u.name)) continue;
    if (!c.flags.all && u.activeState !== 'active') continue;
    if (c.args.length && !c.args.some((p) => u.name === p || u.name === `${p}.socket`)) continue;
    for (const listen of (u.properties.Listen ?? '').split('\n').filter(Boolean)) {
      rows.push({ listen: listen.replace(/ \([A-Za-z]+\)$/, ''), unit: u.name, activates: u.properties.Triggers ?? '' });
    }
  }
  c.out(renderSockets(rows, c.flags.legend, c.flags.all));
  return OK;
}

async function listTimers(c: FrontContext): Promise<number> {
  const all = await c.ask<UnitStatus[]>('list-units', {});
  const rows: TimerRow[] = [];
  for (const u of all) {
    if (!u.name.endsWith('.timer') || !ofTypes(c.flags.types.length ? c.flags.types : ['timer'], u.name)) continue;
    if (!c.flags.all && u.activeState !== 'active') continue;
    if (c.args.length && !c.args.some((p) => u.name === p || u.name === `${p}.timer`)) continue;
    rows.push({ next: u.elapse?.nextUs, last: u.elapse?.lastUs, unit: u.name, activates: u.properties.Unit ?? '' });
  }
  c.out(renderTimers(rows, c.flags.legend, c.flags.all, Date.now() * 1000));
  return OK;
}

/** The main process's command line, as ps shows it; "" when it cannot be read. */
function commandLine(pid: number): string {
  const r = readRegularFile(`/proc/${pid}/cmdline`, 64 * 1024);
  return r.ok ? r.text.replace(/\0+$/, '').replace(/\0/g, ' ') : '';
}

async function systemStatus(c: FrontContext): Promise<number> {
  const [state, units] = await Promise.all([c.ask<SystemStatus>('system-state', {}), c.ask<UnitStatus[]>('list-units', {})]);
  const tree: TreeUnit[] = units
    .filter((u) => u.mainPid !== undefined && u.mainPid > 0)
    .map((u) => ({ name: u.name, mainPid: u.mainPid, command: u.mainPid ? commandLine(u.mainPid) : undefined }));
  c.out(renderSystemStatus(state, tree, c.version));
  return OK;
}

async function resetFailed(c: FrontContext): Promise<number> {
  const res = await c.ask<JobResult[]>('reset-failed', { units: c.units });
  let code = OK;
  res.forEach((r, i) => {
    if (r.result === 'done') return;
    const u = c.units[i]!;
    c.err(`Failed to reset failed state of unit ${u}: Unit ${u} not loaded.\n`);
    code = FAILURE;
  });
  return code;
}

/**
 * man(1) for each man: page of the units' Documentation= (read from their files, as loaded).
 * As systemctl 252 (show_unit_help): what cannot be shown is said on stderr, and man's own
 * failure (no such page, no man at all) does not change the exit status, which is 0.
 */
async function help(c: FrontContext): Promise<number> {
  const st = await c.ask<UnitStatus[]>('status', { units: c.units });
  for (const s of st) {
    const { fragment, dropIns } = unitFiles(s);
    const docs = [fragment, ...dropIns].filter(Boolean).flatMap((f) => documentation(f));
    if (docs.length === 0) {
      c.err(`Documentation for ${s.name} not known.\n`);
      continue;
    }
    for (const d of docs) {
      if (!d.startsWith('man:')) {
        c.err(`Can't show: ${d}\n`);
        continue;
      }
      const page = /^(.+)\((\w+)\)$/.exec(d.slice(4));
      const argv = page ? [page[2]!, page[1]!] : [d.slice(4)];
      const r = spawnSync('man', argv, { stdio: 'inherit', env: c.env });
      if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') c.err('Failed to execute man: No such file or directory\n');
    }
  }
  return OK;
}

/** Documentation= URIs of a unit file's [Unit] section (an empty assignment resets the list). */
export function documentation(file: string): string[] {
  const r = readRegularFile(file, CAT_MAX_BYTES);
  if (!r.ok) return [];
  return parseDocumentation(r.text);
}

/** Pure: Documentation= values in [Unit], in order, as systemd collects them. */
export function parseDocumentation(text: string): string[] {
  let section = '';
  let docs: string[] = [];
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) section = line;
    else if (section === '[Unit]' && /^Documentation\s*=/.test(line)) {
      const value = line.slice(line.indexOf('=') + 1).trim();
      docs = value ? [...docs, ...value.split(/\s+/)] : [];
    }
  }
  return docs;
}

async function environmentVerb(c: FrontContext, verb: 'show-environment' | 'set-environment' | 'unset-environment'): Promise<number> {
  if (verb === 'show-environment') {
    const env = await c.ask<string[]>('environment', {});
    for (const a of env) {
      const eq = a.indexOf('=');
      c.out(`${a.slice(0, eq)}=${shellMaybeQuote(a.slice(eq + 1), true)}\n`);
    }
    return OK;
  }
  if (c.args.length === 0) {
    c.err('Too few arguments.\n');
    return FAILURE;
  }
  const r = await c.ask<{ error?: string }>(verb, { args: c.args });
  if (r.error) {
    c.err(`Failed to ${verb === 'set-environment' ? 'set' : 'unset'} environment: ${r.error}\n`);
    return FAILURE;
  }
  return OK;
}

async function defaults(c: FrontContext, verb: 'get-default' | 'set-default'): Promise<number> {
  if (verb === 'get-default') {
    c.out(`${await c.ask<string>('get-default', {})}\n`);
    return OK;
  }
  if (c.args.length !== 1) {
    c.err(c.args.length ? 'Too many arguments.\n' : 'Too few arguments.\n');
    return FAILURE;
  }
  const target = /\.target$/.test(c.args[0]!) ? c.args[0]! : `${c.args[0]}.target`;
  const r = await c.ask<UnitFileChange>('set-default', { units: [target] });
  const code = sayChanges(c, [r], 'set default target');
  if (r.changes.length) await reloadAfter(c);
  return code;
}

/** The verbs of this file; undefined for a verb it does not know. */
export function moreVerbs(verb: string, c: FrontContext): Promise<number> | undefined {
  const needUnits = (run: () => Promise<number>): Promise<number> => {
    if (c.units.length) return run();
    c.err('Too few arguments.\n');
    return Promise.resolve(FAILURE);
  };
  switch (verb) {
    case 'cat':
      return needUnits(() => cat(c));
    case 'edit':
      return needUnits(() => edit(c));
    case 'mask':
    case 'unmask':
    case 'revert':
    case 'preset':
      return needUnits(() => unitFileVerb(c, verb));
    case 'list-dependencies':
      return listDependencies(c);
    case 'list-sockets':
      return listSockets(c);
    case 'list-timers':
      return listTimers(c);
    case 'list-jobs':
      return c.ask<JobInfo[]>('list-jobs', {}).then((jobs) => {
        c.out(renderJobs(jobs, c.flags.legend));
        return OK;
      });
    case 'is-system-running':
      return c.ask<SystemStatus>('system-state', {}).then((s) => {
        if (!c.flags.quiet) c.out(`${s.state}\n`);
        return s.state === 'running' ? OK : FAILURE;
      });
    case 'system-status':
      return systemStatus(c);
    case 'reset-failed':
      return resetFailed(c);
    case 'help':
      return needUnits(() => help(c));
    case 'show-environment':
    case 'set-environment':
    case 'unset-environment':
      return environmentVerb(c, verb);
    case 'get-default':
    case 'set-default':
      return defaults(c, verb);
    default:
      return undefined;
  }
}
