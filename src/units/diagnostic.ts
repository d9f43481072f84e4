// A problem found while reading unit files. Never thrown: collected and reported.

export interface Diagnostic {
  file: string;
  line?: number;
  severity: 'error' | 'warning';
  message: string;
}

/** "file:line: message" (or "file: message" without a line), for logs and CLI output. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  return `${where}: ${d.severity}: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
