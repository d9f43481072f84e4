// Several commands in one `podman exec` (each exec costs a few tenths of a second on a busy
// machine): a shell script that runs them in turn, and its output taken apart again, each
// command's exit status, stdout and stderr byte for byte (base64 on the way).

/** A command as one shell word each: single quotes, a quote inside as '\\''. */
function shellWords(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
}

/**
 * A shell script that runs each command in turn and prints, per command, a line
 * `RESULT <exit status> <stdout, base64> <stderr, base64>` (base64: the output's exact bytes).
 */
export function batchScript(commands: readonly (readonly string[])[]): string {
  return [
    'd=$(mktemp -d) || exit 1',
    ...commands.map((argv) => `${shellWords(argv)} >"$d/out" 2>"$d/err"; c=$?; printf 'RESULT %s %s %s\\n' "$c" "$(base64 -w0 <"$d/out")" "$(base64 -w0 <"$d/err")"`),
    'rm -rf "$d"',
  ].join('\n');
}

/** batchScript's output: each command's exit status, stdout and stderr, in order. */
export function batchResults(text: string): { code: number; stdout: string; stderr: string }[] {
  return [...text.matchAll(/^RESULT (\d+) ([A-Za-z0-9+/=]*) ([A-Za-z0-9+/=]*)$/gm)].map((m) => ({
    code: Number(m[1]),
    stdout: Buffer.from(m[2]!, 'base64').toString('utf8'),
    stderr: Buffer.from(m[3]!, 'base64').toString('utf8'),
  }));
}
