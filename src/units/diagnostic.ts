// A problem found while reading unit files. Never thrown: collected and reported.

export interface Diagnostic {
  file: string;
  /**
   * The unit it concerns, set by the loader (load.ts) for everything it reports of a unit:
   * the file may be a drop-in (a.service.d/x.conf) or a template (getty@.service).
   */
  unit?: string;
  line?: number;
  severity: 'error' | 'warning';
  message: string;
  /** A known directive ts-init leaves out (sandboxing, cgroup, scheduling): harmless in a container. */
  harmless?: { directive: string };
}

/** "file:line: message" (or "file: message" without a line), for logs and CLI output. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  return `${where}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export interface ReportLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  text: string;
}

/** The diagnostics that concern one unit. */
export function diagnosticsOf(diagnostics: readonly Diagnostic[], unit: string): Diagnostic[] {
  return diagnostics.filter((d) => d.unit === unit);
}

const SHOWN_NAMES = 6;

/**
 * What to log for a set of diagnostics: errors and real warnings one by one; the harmless
 * directives (sandboxing, cgroup, scheduling settings a container cannot apply) as ONE
 * warning line for all units together, naming how many and how to list them; each unit's
 * names at info (-v), their file:line details at debug (-vv). Debian's units carry many
 * such settings; they must not flood the default output.
 */
export function diagnosticReport(diagnostics: readonly Diagnostic[]): ReportLine[] {
  const out: ReportLine[] = [];
  const harmless = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    if (d.harmless) {
      const unit = d.unit ?? d.file;
      harmless.set(unit, [...(harmless.get(unit) ?? []), d]);
    } else {
      out.push({ level: d.severity === 'error' ? 'error' : 'warn', text: formatDiagnostic(d) });
    }
  }
  if (harmless.size === 0) return out;
  const units = harmless.size === 1 ? '1 unit carries' : `${harmless.size} units carry`;
  out.push({ level: 'warn', text: `${units} settings a container cannot apply (sandboxing, resource control, scheduling); they are ignored (-v lists them)` });
  for (const [unit, list] of harmless) {
    const names = [...new Set(list.map((d) => d.harmless!.directive))];
    const shown = names.slice(0, SHOWN_NAMES).join(', ') + (names.length > SHOWN_NAMES ? `, ... (${names.length - SHOWN_NAMES} more)` : '');
    const count = names.length === 1 ? '1 setting' : `${names.length} settings`;
    out.push({ level: 'info', text: `${unit}: ${count} not applied in a container, ignored: ${shown}` });
    for (const d of list) out.push({ level: 'debug', text: formatDiagnostic(d) });
  }
  return out;
}
