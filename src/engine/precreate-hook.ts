// The podman OCI hook (stage precreate): the container's config.json on stdin, the
// config to use on stdout. podman shows only the exit status of a failed hook, so the
// reason also goes to stderr (in podman's own log) and names the annotation.
import * as fs from 'node:fs';
import { editConfig, type OciConfig } from './oci-config';
import { hostLayout } from './host-layout';
import { writeAll } from './write-all';

export function precreateMain(program: string): void {
  let out: string;
  try {
    const input = fs.readFileSync(0, 'utf8');
    let config: OciConfig;
    try {
      config = JSON.parse(input) as OciConfig;
    } catch (err) {
      throw new Error(`the config on stdin is not valid JSON: ${(err as Error).message}`);
    }
    const result = editConfig(config, hostLayout(process.env));
    out = result.edited ? JSON.stringify(result.config) : input;
  } catch (err) {
    fs.writeSync(2, `${program}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  writeAll(1, out);
  process.exit(0);
}
