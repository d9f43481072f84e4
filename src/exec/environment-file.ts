// EnvironmentFile= contents as systemd reads them: KEY=VALUE lines, '#' and ';'
// comments, optional single or double quotes, backslash-newline continuation, an
// optional leading "export ". Pure.

export interface EnvFileResult {
  vars: Array<[string, string]>;
  errors: Array<{ line: number; message: string }>;
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\`$])/g, '$1').replace(/\\\n/g, '');
  }
  return v.replace(/\\(.)/g, '$1');
}

export function parseEnvironmentFile(text: string): EnvFileResult {
  const out: EnvFileResult = { vars: [], errors: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const body = trimmed.startsWith('export ') ? trimmed.slice(7).trimStart() : trimmed;
    const eq = body.indexOf('=');
    const key = eq < 0 ? '' : body.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      out.errors.push({ line: lineNo, message: `not a KEY=VALUE assignment: ${trimmed.slice(0, 60)}` });
      continue;
    }
    out.vars.push([key, unquote(body.slice(eq + 1))]);
  }
  return out;
}
