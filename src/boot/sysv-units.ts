// SysV init scripts as units, the way systemd-sysv-generator makes them: the LSB header
// gives the description and the ordering ($network -> network-online.target, ...), the
// /etc/rc[1-5].d/S?? links say which target wants the unit, Provides: gives aliases, and
// the script itself is ExecStart= "start" / ExecStop= "stop" / ExecReload= "reload". Pure.

export interface SysvScript {
  /** Unit name: the file name without ".sh", plus ".service". */
  name: string;
  path: string;
  description?: string;
  hasLsb: boolean;
  reload: boolean;
  pidFile?: string;
  before: string[];
  after: string[];
  wants: string[];
  aliases: string[];
  /** Targets whose .wants/ get a link: from the rc?.d S links. */
  wantedBy: string[];
  /** Highest S?? priority over the rc directories; -1 when not linked. */
  priority: number;
}

/** LSB facilities systemd knows; null: nothing to order after. */
const FACILITIES: Record<string, string | null> = {
  local_fs: null,
  network: 'network-online.target',
  named: 'nss-lookup.target',
  portmap: 'rpcbind.target',
  remote_fs: 'remote-fs.target',
  syslog: null,
  time: 'time-sync.target',
};

export const RC_TARGETS: ReadonlyArray<[string, string]> = [
  ['rc1.d', 'rescue.target'],
  ['rc2.d', 'multi-user.target'],
  ['rc3.d', 'multi-user.target'],
  ['rc4.d', 'multi-user.target'],
  ['rc5.d', 'graphical.target'],
];

export function sysvUnitName(fileName: string): string {
  return `${fileName.replace(/\.sh$/, '')}.service`;
}

/** A facility or script name as a unit name; undefined when it means nothing to order by. */
function translate(word: string, script: string): string | undefined {
  const bare = word.startsWith('$') ? word.slice(1) : word;
  if (bare in FACILITIES) return FACILITIES[bare] ?? undefined;
  if (word.startsWith('$')) return `${bare}.target`;
  if (bare === script.replace(/\.sh$/, '')) return undefined;
  return /\.[a-z]+$/.test(bare) ? bare : `${bare}.service`;
}

function usageHasReload(line: string): boolean {
  return /\{reload[|}"]|\|reload[|}"]/i.test(line);
}

function push(list: string[], v: string): void {
  if (!list.includes(v)) list.push(v);
}

/** Reads a script's header (and its Usage line, to see whether it can reload). */
export function parseSysvScript(fileName: string, scriptPath: string, text: string): SysvScript {
  const s: SysvScript = {
    name: sysvUnitName(fileName), path: scriptPath, hasLsb: false, reload: false, before: [], after: [], wants: [], aliases: [], wantedBy: [], priority: -1,
  };
  type St = 'normal' | 'description' | 'lsb' | 'lsb-description' | 'usage';
  let state: St = 'normal';
  let short: string | undefined;
  let long: string | undefined;
  let chkconfig: string | undefined;
  for (const raw of text.split('\n')) {
    const t = raw.trim();
    if (!t.startsWith('#')) {
      if (state === 'usage' || (state === 'normal' && /usage/i.test(t))) {
        if (usageHasReload(t)) {
          s.reload = true;
          state = 'normal';
        } else state = t.endsWith('\\') ? 'usage' : 'normal';
      }
      continue;
    }
    if (state === 'normal' && t === '### BEGIN INIT INFO') {
      state = 'lsb';
      s.hasLsb = true;
      continue;
    }
    if ((state === 'lsb' || state === 'lsb-description') && t === '### END INIT INFO') {
      state = 'normal';
      continue;
    }
    const body = t.slice(1).trimStart();
    const lower = body.toLowerCase();
    const after = (prefix: string) => body.slice(prefix.length).trim();
    if (state === 'normal') {
      if (lower.startsWith('description:')) {
        let d = after('description:');
        if (d.endsWith('\\')) {
          d = d.slice(0, -1).trim();
          state = 'description';
        }
        chkconfig = d || undefined;
      } else if (lower.startsWith('pidfile:')) {
        const p = after('pidfile:');
        if (p.startsWith('/')) s.pidFile = p;
      }
    } else if (state === 'description') {
      let d = body;
      if (d.endsWith('\\')) d = d.slice(0, -1);
      else state = 'normal';
      d = d.trim();
      if (d) chkconfig = chkconfig ? `${chkconfig} ${d}` : d;
    } else {
      if (lower.startsWith('provides:')) {
        state = 'lsb';
        for (const w of after('provides:').split(/\s+/).filter(Boolean)) {
          const m = translate(w, fileName);
          if (!m) continue;
          if (m.endsWith('.service')) {
            if (m !== s.name) push(s.aliases, m);
          } else if (m.endsWith('.target')) {
            push(s.before, m);
            push(s.wants, m);
            if (m === 'network-online.target') {
              push(s.before, 'network.target');
              push(s.wants, 'network.target');
            }
          }
        }
      } else if (/^(required-start|should-start|x-start-before|x-start-after):/.test(lower)) {
        state = 'lsb';
        const isBefore = lower.startsWith('x-start-before:');
        for (const w of body.slice(body.indexOf(':') + 1).split(/\s+/).filter(Boolean)) {
          const m = translate(w, fileName);
          if (!m) continue;
          if (m === 'network-online.target' && !isBefore) {
            push(s.after, m);
            push(s.wants, m);
          } else push(isBefore ? s.before : s.after, m);
        }
      } else if (lower.startsWith('description:')) {
        state = 'lsb-description';
        long = after('description:') || undefined;
      } else if (lower.startsWith('short-description:')) {
        state = 'lsb';
        short = after('short-description:') || undefined;
      } else if (state === 'lsb-description') {
        if (raw.startsWith('#\t') || raw.startsWith('#  ')) {
          const d = body.trim();
          if (d) long = long ? `${long} ${d}` : d;
        } else state = 'lsb';
      }
    }
  }
  const d = short ?? chkconfig ?? long;
  if (d !== undefined) s.description = `${s.hasLsb ? 'LSB' : 'SYSV'}: ${d}`;
  return s;
}

/** The rc?.d links: "S20exim4" in rc2.d enables exim4.service for multi-user.target. */
export function applyRcLinks(scripts: Map<string, SysvScript>, rcDirs: ReadonlyArray<{ dir: string; entries: readonly string[] }>): void {
  for (const { dir, entries } of rcDirs) {
    const target = RC_TARGETS.find(([d]) => d === dir)?.[1];
    if (!target) continue;
    for (const e of entries) {
      const m = /^S(\d)(\d)(.+)$/.exec(e);
      if (!m) continue;
      const s = scripts.get(sysvUnitName(m[3]!));
      if (!s) continue;
      s.priority = Math.max(s.priority, Number(m[1]) * 10 + Number(m[2]));
      push(s.before, target);
      push(s.wantedBy, target);
    }
  }
  // Priorities order scripts only where one of the two has no LSB header.
  for (const s of scripts.values()) {
    if (s.priority < 0) continue;
    for (const o of scripts.values()) {
      if (o === s || o.priority < 0 || (s.hasLsb && o.hasLsb)) continue;
      if (o.priority < s.priority) push(s.after, o.name);
      else if (o.priority > s.priority) push(s.before, o.name);
    }
  }
}

/** Escapes "%" for a unit file (systemd's specifier_escape). */
function esc(s: string): string {
  return s.replace(/%/g, '%%');
}

/** The unit file text systemd-sysv-generator writes for a script. */
export function renderSysvUnit(s: SysvScript): string {
  const p = esc(s.path);
  const lines = ['# Automatically generated by systemd-sysv-generator', '', '[Unit]', 'Documentation=man:systemd-sysv-generator(8)', `SourcePath=${p}`];
  if (s.description !== undefined) lines.push(`Description=${esc(s.description)}`);
  for (const b of s.before) lines.push(`Before=${b}`);
  for (const a of s.after) lines.push(`After=${a}`);
  for (const w of s.wants) lines.push(`Wants=${w}`);
  lines.push('', '[Service]', 'Type=forking', 'Restart=no', 'TimeoutSec=5min', 'IgnoreSIGPIPE=no', 'KillMode=process', 'GuessMainPID=no');
  lines.push(`RemainAfterExit=${s.pidFile ? 'no' : 'yes'}`);
  if (s.pidFile) lines.push(`PIDFile=${esc(s.pidFile)}`);
  if (s.hasLsb) lines.push('SuccessExitStatus=5 6');
  lines.push(`ExecStart=${p} start`, `ExecStop=${p} stop`);
  if (s.reload) lines.push(`ExecReload=${p} reload`);
  return `${lines.join('\n')}\n`;
}

/** The runlevels a script's LSB header starts (Default-Start:) or stops (Default-Stop:) it in. */
export function defaultLevels(text: string): { start: string[]; stop: string[] } {
  const levels = (key: string): string[] => {
    const m = new RegExp(`^#\\s*${key}:[ \\t]*(.*)$`, 'im').exec(text);
    return m ? m[1]!.split(/\s+/).filter(Boolean) : [];
  };
  return { start: levels('Default-Start'), stop: levels('Default-Stop') };
}

export type RcChange = { kind: 'rename'; dir: string; from: string; to: string } | { kind: 'link'; dir: string; name: string };

/**
 * What systemd-sysv-install does on `systemctl enable|disable` of a SysV-only service, as
 * Debian's update-rc.d: disable turns the script's S?? links into K?? links (same number) in
 * the runlevels it starts in; enable turns them back, after making the default links first
 * when the script has none anywhere ("update-rc.d NAME defaults": S01 in its start levels,
 * K01 in its stop levels). Runlevels outside S and 2-5 are left alone. Pure.
 */
export function rcChanges(
  script: string,
  act: 'enable' | 'disable',
  levels: { start: string[]; stop: string[] },
  rcDirs: ReadonlyArray<{ level: string; entries: readonly string[] }>,
): RcChange[] {
  const start = (levels.start.length ? levels.start : ['2', '3', '4', '5']).filter((l) => /^[S2345]$/.test(l));
  const mine = (e: string): boolean => /^[SK]\d\d/.test(e) && e.slice(3) === script;
  const out: RcChange[] = [];
  const entries = new Map(rcDirs.map((d) => [d.level, [...d.entries]]));
  if (act === 'enable' && !rcDirs.some((d) => d.entries.some(mine))) {
    for (const l of start) out.push({ kind: 'link', dir: `rc${l}.d`, name: `S01${script}` });
    for (const l of levels.stop.filter((x) => /^[0-6S]$/.test(x) && !start.includes(x))) out.push({ kind: 'link', dir: `rc${l}.d`, name: `K01${script}` });
    return out;
  }
  const [from, to] = act === 'disable' ? ['S', 'K'] : ['K', 'S'];
  for (const l of start) {
    for (const e of entries.get(l) ?? []) {
      if (mine(e) && e.startsWith(from)) out.push({ kind: 'rename', dir: `rc${l}.d`, from: e, to: `${to}${e.slice(1)}` });
    }
  }
  return out;
}
