// Files for a PID-namespace test to find in the namespace's private mounts (/etc/systemd/system,
// /etc/init.d, ...): written to a temporary directory here, copied into place by a shell setup
// line that runs inside the namespace, so the machine's own directories are never touched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp-dir';

/** A shell setup line putting each file in place; a text starting with "->" is a symlink to the rest. */
export function placeFiles(tree: Record<string, string>): string {
  const files = tempDir('ts-init-place-');
  const lines: string[] = [];
  for (const [p, text] of Object.entries(tree)) {
    if (text.startsWith('->')) {
      lines.push(`mkdir -p ${path.dirname(p)} && ln -s ${text.slice(2)} ${p}`);
      continue;
    }
    const src = path.join(files, p.replace(/\//g, '_'));
    fs.writeFileSync(src, text, { mode: 0o755 });
    lines.push(`mkdir -p ${path.dirname(p)} && cp -p ${src} ${p}`);
  }
  return lines.join(' && ');
}
