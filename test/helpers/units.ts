// Writing unit files for tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp-dir';

/** A fresh directory holding the given unit files (name -> text; "a.service.d/x.conf" for a drop-in), removed after the test file. */
export function unitDir(units: Record<string, string>): string {
  const dir = tempDir('ts-init-units-');
  for (const [name, text] of Object.entries(units)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** A notify-type daemon in python: sleeps delay seconds, prints "LABEL ready" (before it says READY=1, so the line is in the pipe before a CMD that waits for readiness can end the run), says READY=1, and stays. */
export function notifyDaemon(delaySeconds: number, label: string): string {
  return `/usr/bin/python3 -c 'import os,socket,time; time.sleep(${delaySeconds}); t=time.time(); print("${label} ready", t, flush=True); s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(b"READY=1", os.environ["NOTIFY_SOCKET"]); time.sleep(1000)'`;
}

/** Lines of ts-init's log that record a unit's state changes, in order. */
export function transitions(stderr: string, unit: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.includes(`unit="${unit}"`) && l.includes(' -> '))
    .map((l) => l.replace(/^\[\w+\s+ts-init\] /, '').replace(/ unit=.*$/, ''));
}
