// The rich ts-init as PID 1 of a namespace with units and a CMD script, keeping its journal:
// the script's last step waits until the journal has stored a marker line, then copies the
// store out of the namespace's private /var/log/journal, for the host's journalctl to read.
import * as path from 'node:path';
import * as fs from 'node:fs';
import { journalctl } from './journal';
import { placeFiles } from './place-files';
import { tempDir } from './temp-dir';
import { type Result, startAsPid1, type Running } from './ts-init';

export const DEV_LOG = '/run/systemd/journal/dev-log';

const WAIT_AND_COPY = `
logger -u ${DEV_LOG} -t journal-marker all-sent
for i in $(seq 100); do
  journalctl -D /var/log/journal -t journal-marker -o cat --no-pager 2>/dev/null | grep -q all-sent && break
  sleep 0.1
done
cp -r /var/log/journal/. "$JOURNAL_OUT"/
`;

export interface JournalRun {
  running: Running;
  done: Promise<Result & { journal: string }>;
}

/** Starts PID 1 with `files` in place and `script` as its CMD (run by sh; the journal is copied out at its end). */
export function startJournalRun(files: Record<string, string>, script: string, env: NodeJS.ProcessEnv = {}): JournalRun {
  const dir = tempDir('ts-init-journal-');
  const out = path.join(dir, 'journal');
  fs.mkdirSync(out);
  const scriptFile = path.join(dir, 'cmd.sh');
  fs.writeFileSync(scriptFile, `${script}\n${WAIT_AND_COPY}`);
  const running = startAsPid1(['--', '/bin/sh', scriptFile], { env: { ...process.env, TS_INIT_RICH: '1', JOURNAL_OUT: out, ...env } }, placeFiles(files) || 'true');
  return { running, done: running.result.then((r) => ({ ...r, journal: out })) };
}

/** The copied store's entries as journalctl -o json gives them (one object each). */
export function journalEntries(dir: string, args: string[] = []): Array<Record<string, unknown>> {
  const r = journalctl(['--directory', dir, '-o', 'json', ...args]);
  return r.stdout
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
