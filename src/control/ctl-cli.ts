// `ts-init ctl`: the control CLI. Human-readable by default (a unit's output lines with
// their control characters escaped, see output/escape-controls.ts), raw results with --json.
import * as fs from 'node:fs';
import { escapeControls } from '../output/escape-controls';
import type { LogLine } from '../output/log-ring';
import { call, ConnectError, controlSocketPath, socketForCaller } from './client';
import { renderStatus, renderUnitTable } from './format';
import type { JobResult, UnitStatus } from './manager';
import { unitName } from './protocol';
import { VERBS, verbRow, type Verb } from './verbs';
import { JournalLogs } from './logs-journal';

const PROGRAM = 'ts-init ctl';

/** One command's line of the usage: the verb and its arguments, then what it does. */
function commandLine(verb: Verb): string {
  const row = verbRow(verb);
  return `  ${`${verb} ${row.args}`.trimEnd().padEnd(44)}${row.summary}\n`;
}

export function ctlUsage(): string {
  return `Usage: ${PROGRAM} [--socket PATH] [--json] COMMAND [ARGS...]

Asks the running ts-init over its control socket (default ${controlSocketPath()}).

Commands:
${VERBS.map(commandLine).join('')}
Options:
  --socket PATH    The control socket to ask
  --json           Print the raw result as JSON
  -h --help        Show this help; COMMAND --help shows one command's

A unit name without a suffix means NAME.service. Exit status: 0 ok, 1 a job failed,
2 usage error, 4 no such unit.
`;
}

/** `ts-init ctl VERB --help`. */
export function ctlVerbHelp(verb: Verb): string {
  const row = verbRow(verb);
  return `Usage: ${PROGRAM} [--socket PATH] [--json] ${`${verb} ${row.args}`.trimEnd()}\n\n${row.summary}.\n${
    row.access === 'anyone' ? '' : 'Only root may ask for it.\n'
  }`;
}

export type CtlArgs =
  | { kind: 'run'; socket: string; json: boolean; follow: boolean; lines: number; signal?: string; who?: 'main' | 'all'; verb: Verb; units: string[]; args: string[] }
  | { kind: 'help'; text: string }
  | { kind: 'usage-error'; message: string };

/** The command line of `ts-init ctl` (without `ctl`). Pure. */
export function parseCtlArgs(argv: readonly string[], defaultSocket: string): CtlArgs {
  let socket = defaultSocket;
  let json = false;
  let follow = false;
  let lines = 50;
  let help = false;
  let signal: string | undefined;
  let who: 'main' | 'all' | undefined;
  const pos: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--socket') socket = argv[++i] ?? socket;
    else if (a.startsWith('--socket=')) socket = a.slice(9);
    else if (a === '--json') json = true;
    else if (a === '-f' || a === '--follow') follow = true;
    else if (a === '-n' || a === '--lines') lines = Number(argv[++i]);
    else if (a === '-s' || a === '--signal') signal = argv[++i];
    else if (a.startsWith('--kill-who=')) {
      const w = a.slice(11);
      if (w !== 'main' && w !== 'all') return { kind: 'usage-error', message: `--kill-who takes 'main' or 'all', not '${w}'` };
      who = w;
    } else if (a === '-h' || a === '--help') help = true;
    else if (a.startsWith('-')) return { kind: 'usage-error', message: `unknown option '${a}'` };
    else pos.push(a);
  }
  const [verb, ...rawUnits] = pos;
  if (verb !== undefined && !(VERBS as readonly string[]).includes(verb)) return { kind: 'usage-error', message: `unknown command '${verb}'` };
  if (help) return { kind: 'help', text: verb ? ctlVerbHelp(verb as Verb) : ctlUsage() };
  if (verb === undefined) return { kind: 'usage-error', message: 'no command given' };
  if (!Number.isInteger(lines) || lines < 0) return { kind: 'usage-error', message: '-n takes a whole number' };
  const row = verbRow(verb as Verb);
  // A verb that names no units takes its words as arguments (set-environment NAME=VALUE), if any.
  if (row.units === 'none' && rawUnits.length > 0 && row.args === '') return { kind: 'usage-error', message: `${verb} takes no arguments` };
  if (row.units === 'none') return { kind: 'run', socket, json, follow, lines, signal, who, verb: verb as Verb, units: [], args: rawUnits };
  if (row.units === 'required' && rawUnits.length === 0) return { kind: 'usage-error', message: `${verb} needs a unit name` };
  return { kind: 'run', socket, json, follow, lines, signal, who, verb: verb as Verb, units: rawUnits.map(unitName), args: [] };
}

export async function ctl(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const parsed = parseCtlArgs(argv, socketForCaller(controlSocketPath()));
  if (parsed.kind === 'help') {
    out(parsed.text);
    return 0;
  }
  if (parsed.kind === 'usage-error') {
    err(`${PROGRAM}: ${parsed.message}\nSee '${PROGRAM} --help'.\n`);
    return 2;
  }
  const { socket, json, follow, lines, signal, who, verb, units, args } = parsed;
  const params: Record<string, unknown> = { units };
  if (args.length) params.args = args;
  if (verb === 'kill') Object.assign(params, { signal: signal ?? 'SIGTERM', who: who ?? 'all' });
  if (verb === 'logs') Object.assign(params, { lines, follow });
  const show = (e: Record<string, unknown>): void => out(json ? `${JSON.stringify(e)}\n` : `${escapeControls((e.line as LogLine).line)}\n`);
  // Where a journal is kept, a unit's lines go to its writer, not to PID 1's ring: they are read from the files here.
  const journal = verb === 'logs' ? JournalLogs.find() : undefined;
  let fromJournal = false;
  const reply = await call(verb as Verb, params, {
    socket,
    onEvent: follow ? (e) => !fromJournal && show(e) : undefined,
  });
  if (!reply.ok) {
    err(`ts-init ctl: ${reply.error.message}\n`);
    return reply.error.code === 'not-found' ? 4 : 1;
  }
  let r = reply.result;
  if (journal && (r as LogLine[]).length === 0) {
    fromJournal = true;
    r = journal.last(units[0]!, lines);
    if (follow) journal.follow(units[0]!, (line) => show({ event: 'log', line }));
  }
  if (json) {
    out(`${JSON.stringify(r, null, 2)}\n`);
  } else if (verb === 'status' && units.length) {
    for (const s of r as UnitStatus[]) out(renderStatus(s));
  } else if (verb === 'status' || verb === 'list-units') {
    out(renderUnitTable(r as UnitStatus[], true));
  } else if (verb === 'logs') {
    for (const l of r as LogLine[]) out(`${escapeControls(l.line)}\n`);
  } else if (verb === 'list-unit-files') {
    for (const f of r as Array<{ name: string; state: string }>) out(`${f.name} ${f.state}\n`);
  } else if (Array.isArray(r) && r.every((x) => typeof x === 'object' && x !== null && 'result' in x)) {
    (r as JobResult[]).forEach((j, i) => out(`${units[i]}: ${j.result}${j.message ? ` (${j.message})` : ''}\n`));
  } else {
    out(`${JSON.stringify(r)}\n`);
  }
  if (verb === 'status' && units.length && (r as UnitStatus[]).some((s) => s.loadState === 'not-found')) return 4;
  if (Array.isArray(r) && (r as JobResult[]).some((j) => j && (j.result === 'failed' || j.result === 'dependency' || j.result === 'not-found' || j.result === 'invalid' || j.result === 'inactive' || j.result === 'masked'))) return 1;
  if (follow) await new Promise(() => undefined); // until interrupted or the server closes
  return 0;
}

export function ctlMain(argv: readonly string[]): void {
  ctl(argv, (s) => fs.writeSync(1, s), (s) => fs.writeSync(2, s)).then(
    (code) => process.exit(code),
    (e: Error) => {
      fs.writeSync(2, `ts-init ctl: ${e instanceof ConnectError ? e.message : `failed: ${e.message}`}\n`);
      process.exit(1);
    },
  );
}
