// The podman OCI hook (stage precreate): the container's config.json on stdin, the
// config to use on stdout. podman 4 shows only the exit status of a failed hook, never
// its stderr, so a refused request (a bad annotation) is not a hook failure: the
// container is given ts-init told to print the reason and exit 1 (refusedConfig).
// Only a hook that cannot produce any config (bad JSON, no host binary) exits 1.
import * as fs from 'node:fs';
import { editConfig, parseConfig, refusedConfig, RichRequestError, serializeConfig, type OciConfig } from './oci-config';
import { hostLayout } from './host-layout';
import { writeAll } from './write-all';

export function precreateMain(program: string): void {
  let out: string;
  try {
    const input = fs.readFileSync(0, 'utf8');
    let config: OciConfig;
    try {
      config = parseConfig(input);
    } catch (err) {
      throw new Error(`the config on stdin is not valid JSON: ${(err as Error).message}`);
    }
    const host = () => hostLayout(process.env);
    try {
      const result = editConfig(config, host);
      out = result.edited ? serializeConfig(result.config) : input;
    } catch (err) {
      if (!(err instanceof RichRequestError)) throw err;
      // podman shows nothing of a failing hook but its exit status: let the container say it.
      fs.writeSync(2, `${program}: ${err.message}\n`);
      out = serializeConfig(refusedConfig(config, host(), err.message));
    }
  } catch (err) {
    fs.writeSync(2, `${program}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  writeAll(1, out);
  process.exit(0);
}
