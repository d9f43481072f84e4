// Human-readable renderings of unit status, close to systemctl's. Pure.
import { formatTimestamp } from './timestamp';
import { formatRelative } from './relative-time';
import { escapeControls } from '../output/escape-controls';
import type { LogLine } from '../output/log-ring';
import { signalName } from '../sys/signals';
import type { SystemStatus, UnitStatus } from './manager';

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}min ${s % 60}s ago`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}min ago`;
}

export function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)}G`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)}M`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)}K`;
  return `${n}B`;
}

function bullet(u: UnitStatus): string {
  if (u.activeState === 'failed') return '×';
  return u.activeState === 'active' || u.activeState === 'reloading' ? '●' : '○';
}

/** "active (running)", "inactive (dead)"; the sub-state is left out when it only repeats the state ("failed"). */
export function activeWords(u: Pick<UnitStatus, 'activeState' | 'subState'>): string {
  return u.subState && u.subState !== u.activeState ? `${u.activeState} (${u.subState})` : u.activeState;
}

/**
 * "TriggeredBy:" (the timers and sockets that start the unit), and a timer's "Trigger:" (its
 * next elapse) and "Triggers:" (its unit), as systemctl status prints them after "Active:".
 */
function triggerLines(u: UnitStatus, now: number): string[] {
  const lines: string[] = [];
  const by = (u.properties.TriggeredBy ?? '').split(' ').filter(Boolean);
  if (by.length) lines.push(`TriggeredBy: ${by.map((n) => `● ${n}`).join('\n             ')}`);
  if (!u.elapse) return lines;
  const next = u.elapse.nextUs;
  lines.push(`    Trigger: ${next ? `${formatTimestamp(next / 1000)}; ${formatRelative(next, now * 1000)}` : 'n/a'}`);
  if (u.properties.Triggers) lines.push(`   Triggers: ● ${u.properties.Triggers}`);
  return lines;
}

export function renderStatus(u: UnitStatus, logs: LogLine[] = [], now = Date.now()): string {
  const lines: string[] = [];
  lines.push(`${bullet(u)} ${u.name} - ${u.description}`);
  if (u.loadState !== 'loaded') {
    lines.push(`     Loaded: ${u.loadState}${u.loadError ? ` (${u.loadError.split('\n')[0]})` : ''}`);
    lines.push(`     Active: ${activeWords(u)}`);
    return lines.join('\n') + '\n';
  }
  lines.push(`     Loaded: loaded (${u.sourcePath === '' ? 'built into ts-init' : (u.sourcePath ?? '?')}; ${u.unitFileState})`);
  lines.push(...dropInLines((u.properties.DropInPaths ?? '').split(' ').filter(Boolean)));
  const since = u.activeState === 'active' && u.activeSince ? u.activeSince : u.stateChangedAt;
  const result = u.activeState === 'failed' ? ` (Result: ${u.result})` : '';
  lines.push(`     Active: ${activeWords(u)}${result} since ${formatTimestamp(since)}; ${ago(now - since)}`);
  lines.push(...triggerLines(u, now));
  if (u.mainPid) lines.push(`   Main PID: ${u.mainPid}`);
  if (u.statusText) lines.push(`     Status: "${escapeControls(u.statusText)}"`);
  if (u.cpuPercent !== undefined || u.rssBytes !== undefined) {
    lines.push(`        CPU: ${u.cpuPercent ?? 0}%`);
    lines.push(`     Memory: ${bytes(u.rssBytes ?? 0)}`);
  }
  lines.push(`   Restarts: ${u.restarts}`);
  if (u.lastExit) {
    const how = u.lastExit.signal !== undefined ? `killed, signal=${signalName(u.lastExit.signal)}` : `exited, status=${u.lastExit.code}`;
    lines.push(`  Last exit: ${how} (${ago(now - u.lastExit.at)})`);
  }
  if (logs.length) {
    lines.push('');
    for (const l of logs) lines.push(`${new Date(l.time).toISOString()} ${l.identifier ?? u.name}: ${escapeControls(l.line)}`);
  }
  return lines.join('\n') + '\n';
}

export function renderUnitTable(units: UnitStatus[], legend: boolean): string {
  const rows = units.map((u) => [u.name, u.loadState, u.activeState, u.subState, u.description]);
  const head = ['UNIT', 'LOAD', 'ACTIVE', 'SUB', 'DESCRIPTION'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ').trimEnd();
  const out = [...(legend ? [fmt(head)] : []), ...rows.map(fmt)];
  if (legend) out.push('', `${units.length} loaded units listed.`);
  return out.join('\n') + '\n';
}

/** status's "Drop-In:" lines: each directory, then its files after └─, comma-separated (as systemd 252). */
export function dropInLines(paths: readonly string[]): string[] {
  const lines: string[] = [];
  let dir: string | undefined;
  let files: string[] = [];
  const flush = (): void => {
    if (dir === undefined) return;
    lines.push(`${lines.length ? '             ' : '    Drop-In: '}${dir}`, `             └─${files.join(', ')}`);
  };
  for (const p of paths) {
    const d = p.slice(0, p.lastIndexOf('/'));
    if (d !== dir) {
      flush();
      dir = d;
      files = [];
    }
    files.push(p.slice(p.lastIndexOf('/') + 1));
  }
  flush();
  return lines;
}

/** A unit's line in status's tree, with its main process under it. */
export interface TreeUnit {
  name: string;
  mainPid?: number;
  command?: string;
}

/** `systemctl status` without units: the system's state (systemd 252's first lines) and its units' tree. */
export function renderSystemStatus(s: SystemStatus, units: readonly TreeUnit[], version: string, now = Date.now()): string {
  const lines = [
    `● ${s.hostname}`,
    `    State: ${s.state}`,
    `    Units: ${s.units} loaded (incl. loaded aliases)`,
    `     Jobs: ${s.jobs} queued`,
    `   Failed: ${s.failed} units`,
    `    Since: ${formatTimestamp(s.since)}; ${ago(now - s.since)}`,
    `  systemd: ${version}`,
    '   CGroup: /',
  ];
  units.forEach((u, i) => {
    const last = i === units.length - 1;
    lines.push(`           ${last ? '└─' : '├─'}${u.name}`);
    if (u.mainPid) lines.push(`           ${last ? '  ' : '│ '}└─${u.mainPid} ${escapeControls(u.command ?? '')}`.trimEnd());
  });
  return `${lines.join('\n')}\n`;
}
