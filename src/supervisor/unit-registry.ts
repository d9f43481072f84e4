// What is loaded: the one owner of the unit definitions ts-init knows. It reads the
// unit directories (leaving out systemd's own machinery, here and only here), loads
// units on demand when they are named, re-reads everything on daemon-reload (the
// decision is reload-diff.ts), and keeps enablement. It runs nothing: the
// supervisor asks it for definitions and is told what was added.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LoadState, UnitFileState } from '../control/manager';
import type { Logger } from '../log/logger';
import { diagnosticReport, diagnosticsOf, formatDiagnostic, type Diagnostic } from '../units/diagnostic';
import { loadUnits, type LoadResult, type NotLoadedReason } from '../units/load';
import { parseUnitName } from '../units/specifiers';
import { isUnitKind, type UnitConfig } from '../units/unit';
import { UNIT_TYPES } from '../units/unit-types';
import { disableUnit, ENABLE_ROOT, enableUnit, unitFileState, type EnableResult } from './enablement';
import { diffUnits, type ReloadDiff } from './reload-diff';
import type { UnitDirectories } from './unit-dirs';
import { answeredByTsInit, isSystemdFile, isSystemdOwn, systemdPackageFiles } from './systemd-own-units';
import { sysvInstall } from '../boot/sysv-install';
import { isTransientError } from '../process/resource-errors';

/** The init script a unit was generated from (SourcePath=/etc/init.d/NAME), if it was. */
function sysvScriptOf(unit: UnitConfig | undefined): string | undefined {
  const from = unit?.generatedFrom;
  return from?.startsWith('/etc/init.d/') ? from : undefined;
}

export const BOOT_TARGETS = ['multi-user.target', 'default.target'];


export class UnitRegistry {
  private units = new Map<string, UnitConfig>();
  private enabled = new Set<string>();
  private readonly aliases = new Map<string, string>();
  private readonly masked = new Set<string>();
  private readonly failed = new Map<string, NotLoadedReason>();
  private readonly readAt = new WeakMap<UnitConfig, number>();
  private diagnostics: Diagnostic[] = [];
  private readonly addedListeners: Array<(u: UnitConfig) => void> = [];
  /**
   * Enabled units loaded on demand since the last load or reload: new on disk, and so the
   * next reload's to start. Naming one (systemctl status) before the reload that would have
   * found it must not keep the reload from treating it as new.
   */
  private readonly enabledOnDemand = new Set<string>();
  loaded = false;

  constructor(
    readonly dirs: UnitDirectories,
    private readonly log: Logger,
  ) {}

  /** Reads the unit directories, loading `requested` too (see LoadOptions.requested); systemd's own units left out. */
  private read(requested?: string[], say = false): LoadResult {
    const readAt = Date.now();
    const r = loadUnits({ ...this.dirs, targets: BOOT_TARGETS, hostname: os.hostname(), requested });
    // systemd's own machinery, enabled in an image's systemd directories, has no place under
    // ts-init. Its file list is read for each load rather than kept: some 70 KB of paths
    // that PID 1 would otherwise hold for as long as it runs.
    const shipped = systemdPackageFiles();
    // forEach, not for-of, over what may be thousands of units: a for-of makes objects per step when interpreted.
    r.units.forEach((unit, name) => {
      if (!isSystemdOwn(unit, shipped)) return;
      const answered = answeredByTsInit(unit);
      if (answered) {
        r.units.set(name, answered);
        return;
      }
      r.units.delete(name);
      r.enabled.delete(name);
      if (say) this.log.debug(`${name} is part of systemd itself; not started under ts-init`);
    });
    // What systemd's own files would make ts-init say is no news to anyone.
    r.diagnostics = r.diagnostics.filter((d) => !isSystemdFile(d.file, shipped));
    r.units.forEach((unit) => this.readAt.set(unit, readAt));
    return r;
  }

  /** When a definition's files were read (epoch ms): a file changed later means NeedDaemonReload=yes. */
  definitionReadAt(unit: UnitConfig): number | undefined {
    return this.readAt.get(unit);
  }

  /** Called for every unit that becomes loaded (at load, on demand, on reload). */
  onAdded(listener: (u: UnitConfig) => void): void {
    this.addedListeners.push(listener);
  }

  private add(unit: UnitConfig): void {
    this.units.set(unit.name, unit);
    // Indexed: a for-of makes an iterator per unit when interpreted (a thousand timers and their services).
    for (let i = 0; i < this.addedListeners.length; i++) this.addedListeners[i]!(unit);
  }

  /** The start-up load: the enabled units and what they need. */
  load(): void {
    const r = this.read(undefined, true);
    for (const line of diagnosticReport(r.diagnostics)) this.log[line.level](line.text);
    this.enabled = r.enabled;
    this.diagnostics = r.diagnostics;
    for (const [a, t] of r.aliases) this.aliases.set(a, t);
    for (const m of r.masked) this.masked.add(m);
    for (const [n, why] of r.failed) this.failed.set(n, why);
    this.loaded = true;
    r.units.forEach((unit) => this.add(unit));
  }

  all(): ReadonlyMap<string, UnitConfig> {
    return this.units;
  }

  /** Drops a unit that is over for good (a finished per-connection instance). */
  forget(name: string): void {
    this.units.delete(name);
  }

  enabledUnits(): ReadonlySet<string> {
    return this.enabled;
  }

  /** The loaded boot targets by their canonical names (default.target is multi-user.target's alias). */
  bootTargets(): string[] {
    return [...new Set(BOOT_TARGETS.map((t) => this.aliases.get(t) ?? t))].filter((t) => this.units.has(t));
  }

  isEnabled(name: string): boolean {
    return this.enabled.has(name);
  }

  /** A loaded unit by name or alias, loading it on demand. */
  get(name: string): UnitConfig | undefined {
    return this.units.get(name) ?? this.units.get(this.aliases.get(name) ?? '') ?? this.loadOnDemand(name);
  }

  /**
   * A unit that was not loaded at start (installed, but neither enabled nor needed by an
   * enabled unit) is loaded when it is named, as systemd loads units on demand, and is not
   * started. A masked or broken name is recorded, so that status says so.
   */
  private loadOnDemand(name: string): UnitConfig | undefined {
    const type = parseUnitName(name)?.type;
    if (!this.loaded || type === undefined || !isUnitKind(type) || !UNIT_TYPES[type].loadedOnDemand) return undefined;
    // Reading every unit directory is costly; a name with no file anywhere is not found
    // at the cost of a few lstat calls (a request may name thousands).
    if (!this.hasUnitFile(name)) return undefined;
    const fresh = this.read([name]);
    if (fresh.masked.has(name)) this.masked.add(name);
    if (fresh.failed.get(name) === 'bad-setting' && !this.failed.has(name)) {
      this.failed.set(name, 'bad-setting');
      this.diagnostics.push(...diagnosticsOf(fresh.diagnostics, name).filter((d) => d.severity === 'error'));
    }
    const canonical = fresh.aliases.get(name) ?? name;
    if (!fresh.units.has(canonical)) return undefined;
    const added: Diagnostic[] = [];
    for (const [n, u] of fresh.units) {
      // An enabled unit that is new on disk is for daemon-reload to add, and start.
      if (this.units.has(n) || (fresh.enabled.has(n) && n !== canonical)) continue;
      if (fresh.enabled.has(n)) {
        this.enabled.add(n);
        this.enabledOnDemand.add(n);
      }
      added.push(...diagnosticsOf(fresh.diagnostics, n));
      this.add(u);
    }
    // One report for the load, so its units' sandboxing settings are one line, as at boot.
    for (const line of diagnosticReport(added)) this.log[line.level](line.text);
    for (const [alias, target] of fresh.aliases) if (!this.aliases.has(alias)) this.aliases.set(alias, target);
    return this.units.get(canonical);
  }

  /** A file (or link, masks included) named for the unit or its template, in some unit directory. */
  private hasUnitFile(name: string): boolean {
    const at = name.indexOf('@');
    const candidates = at > 0 ? [name, `${name.slice(0, at)}@.service`] : [name];
    for (const dir of [...this.dirs.unitDirs, ...this.dirs.systemDirs]) {
      for (const c of candidates) {
        try {
          fs.lstatSync(path.join(dir, c));
          return true;
        } catch {
          // not in this directory
        }
      }
    }
    return false;
  }

  /** Why a name is not loaded: masked, broken (with the errors, file:line), or no such unit. */
  notLoaded(name: string): { loadState: Exclude<LoadState, 'loaded'>; loadError?: string } {
    if (this.failed.get(name) === 'bad-setting') return { loadState: 'bad-setting', loadError: this.loadErrors(name) };
    return { loadState: this.masked.has(name) ? 'masked' : 'not-found' };
  }

  isMasked(name: string): boolean {
    return this.masked.has(name);
  }

  private loadErrors(name: string): string {
    return diagnosticsOf(this.diagnostics, name)
      .filter((d) => d.severity === 'error')
      .map(formatDiagnostic)
      .join('\n');
  }

  fileState(unit: UnitConfig, enabled: ReadonlySet<string> = this.enabled): UnitFileState {
    return unitFileState(unit, enabled.has(unit.name), [ENABLE_ROOT, ...this.dirs.systemDirs]);
  }

  enable(unit: UnitConfig): EnableResult {
    const script = sysvScriptOf(unit);
    // A unit made from a SysV script has no [Install]: its rc?.d links are what enable it.
    const res = script ? sysvInstall('enable', script) : enableUnit(unit);
    if (!res.error) this.enabled.add(unit.name);
    return res;
  }

  disable(name: string): EnableResult {
    const res = disableUnit(name);
    const script = sysvScriptOf(this.units.get(name));
    if (script) {
      const sysv = sysvInstall('disable', script);
      res.changes.push(...sysv.changes);
      if (sysv.error) res.error = sysv.error;
    }
    this.enabled.delete(name);
    return res;
  }

  /**
   * Every service unit file installed (templates and systemd's own units aside), loaded or
   * not, with its state, as systemctl list-unit-files shows them.
   */
  listUnitFiles(): Array<{ name: string; state: UnitFileState }> {
    // Built-in targets have no file to list.
    const names = new Set([...this.units.values()].filter((u) => u.sourcePath !== '').map((u) => u.name));
    for (const dir of [...this.dirs.unitDirs, ...this.dirs.systemDirs]) {
      let entries: string[];
      try {
        entries = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const f of entries) {
        const p = parseUnitName(f);
        if (p && isUnitKind(p.type) && UNIT_TYPES[p.type].loadedOnDemand && p.instance !== '') names.add(f);
      }
    }
    const fresh = this.read([...names]);
    const out: Array<{ name: string; state: UnitFileState }> = [];
    for (const n of [...names].sort()) {
      const loaded = this.units.get(n);
      if (loaded) {
        out.push({ name: n, state: this.fileState(loaded) });
      } else if (fresh.masked.has(n)) {
        out.push({ name: n, state: 'masked' });
      } else {
        const target = fresh.units.get(fresh.aliases.get(n) ?? n);
        if (!target) continue;
        out.push({ name: n, state: target.name !== n ? 'alias' : this.fileState(target, fresh.enabled) });
      }
    }
    return out;
  }

  /**
   * Re-reads every unit. Units loaded on demand stay loaded while their files exist, as
   * do enabled units that were disabled: disabling is no reason to stop (or forget) a unit.
   * Returns what changed, the errors (file:line), and the enabled units loaded on demand since
   * the last reload (new to it, though loaded already); added units are announced.
   */
  /**
   * Re-reads every unit and takes the new definitions. A read cut short by a passing shortage
   * (EMFILE listing a directory or opening a unit file) changes nothing and says so (`deferred`):
   * read half, the units it missed would seem removed and be stopped.
   */
  reload(): { diff: ReloadDiff; errors: string[]; loadedOnDemand: string[] } | { deferred: string } {
    const fresh = this.read([...this.units.keys()]);
    const shortage = reloadShortage(fresh.diagnostics);
    if (shortage) return { deferred: shortage };
    const loadedOnDemand = [...this.enabledOnDemand];
    this.enabledOnDemand.clear();
    const errors = fresh.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    const diff = diffUnits({ units: this.units, enabled: this.enabled }, fresh);
    for (const name of diff.kept) errors.push(`${name}: the new definition is broken; the running one is kept`);
    this.units = new Map([...diff.next.units].filter(([n]) => !diff.added.includes(n)));
    this.enabled = diff.next.enabled;
    this.diagnostics = fresh.diagnostics;
    this.aliases.clear();
    for (const [a, t] of fresh.aliases) this.aliases.set(a, t);
    this.masked.clear();
    for (const m of fresh.masked) this.masked.add(m);
    this.failed.clear();
    for (const [n, why] of fresh.failed) this.failed.set(n, why);
    for (const name of diff.added) this.add(diff.next.units.get(name)!);
    return { diff, errors, loadedOnDemand };
  }
}

/** What cut a read of the units short for a passing shortage (EMFILE, ENFILE, ENOMEM, EAGAIN), if anything did. */
export function reloadShortage(diagnostics: readonly Diagnostic[]): string | undefined {
  const d = diagnostics.find((x) => isTransientError(x.message));
  return d && formatDiagnostic(d);
}
