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

const USAGE = `Usage: ts-init ctl [--socket PATH] [--json] COMMAND [ARGS]

Commands:
${VERBS.map((v) => `  ${verbRow(v).usage}\n`).join('')}`;

export async function ctl(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let socket = socketForCaller(controlSocketPath());
  let json = false;
  let follow = false;
  let lines = 50;
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
    else if (a.startsWith('--kill-who=')) who = a.slice(11) === 'main' ? 'main' : 'all';
    else if (a === '-h' || a === '--help') {
      out(USAGE);
      return 0;
    } else if (a.startsWith('-')) {
      err(`ts-init ctl: unknown option '${a}'\n${USAGE}`);
      return 2;
    } else pos.push(a);
  }
  const [verb, ...rawUnits] = pos;
  if (!verb) {
    err(USAGE);
    return 2;
  }
  if (!Number.isInteger(lines) || lines < 0) {
    err('ts-init ctl: -n takes a whole number\n');
    return 2;
  }
  const units = rawUnits.map(unitName);
  const params: Record<string, unknown> = { units };
  if (verb === 'kill') Object.assign(params, { signal: signal ?? 'SIGTERM', who: who ?? 'all' });
  if (verb === 'logs') Object.assign(params, { lines, follow });
  const reply = await call(verb as Verb, params, {
    socket,
    onEvent: follow ? (e) => out(json ? `${JSON.stringify(e)}\n` : `${escapeControls((e.line as LogLine).line)}\n`) : undefined,
  });
  if (!reply.ok) {
    err(`ts-init ctl: ${reply.error.message}\n`);
    return reply.error.code === 'not-found' ? 4 : 1;
  }
  const r = reply.result;
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
