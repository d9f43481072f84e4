// POSIX shell single-quoting: the only character a single-quoted word cannot hold
// is the single quote itself, written as '\''. Pure.

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function isShellName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
