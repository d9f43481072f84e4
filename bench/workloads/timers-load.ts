// 1,000 timers load and arm (issue 22's target: under 100 ms): an image's layout of N `.timer`
// units with OnCalendar= and their N `.service` units in /lib/systemd/system, the timers enabled
// from /etc/systemd/system/timers.target.wants/, under a temporary root; the search path is
// systemd's eight directories, as PID 1 of a container reads them. Timed: from the registry's
// creation to the boot's start jobs being over and the one runtime timer armed, on the real
// UnitRegistry and Supervisor (the services are loaded, not started: timers start them later).
// Prints one JSON line. Bundled and run by bench/timers.mjs, once per fresh process, as PID 1 loads
// once per start: `node bench/timers.mjs` to run it alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type InitOptions, parseArgs } from '../../src/cli/options';
import { createLogger } from '../../src/log/logger';
import { ServiceOutput } from '../../src/output/service-output';
import { StdoutWriter } from '../../src/output/stdout-writer';
import { ChildWatch } from '../../src/process/child-watch';
import { ProcessTable } from '../../src/process/process-table';
import { Supervisor } from '../../src/supervisor/supervisor';
import { SYSTEM_UNIT_DIRS } from '../../src/supervisor/unit-dirs';
import { UnitRegistry } from '../../src/supervisor/unit-registry';
import { interpretOnly } from '../../src/sys/memory';

/** OnCalendar= values as Debian's own timers write them, and a minute of the day per timer. */
const CALENDARS = ['daily', 'weekly', '*-*-* 6,18:00', 'Mon *-*-* 00:00:00', '*-*-* 00:00:00', '*:0/15', 'Sun *-*-* 03:10:00'];
const calendar = (i: number): string =>
  i % 2 === 0 ? CALENDARS[(i / 2) % CALENDARS.length]! : `*-*-* ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`;

function writeImage(root: string, count: number): void {
  const lib = path.join(root, 'lib/systemd/system');
  const wants = path.join(root, 'etc/systemd/system/timers.target.wants');
  fs.mkdirSync(lib, { recursive: true });
  fs.mkdirSync(wants, { recursive: true });
  for (let i = 0; i < count; i++) {
    fs.writeFileSync(
      path.join(lib, `job${i}.timer`),
      `[Unit]\nDescription=Job ${i} now and then\n\n[Timer]\nOnCalendar=${calendar(i)}\nAccuracySec=1h\nRandomizedDelaySec=10min\n\n[Install]\nWantedBy=timers.target\n`,
    );
    fs.writeFileSync(path.join(lib, `job${i}.service`), `[Unit]\nDescription=Job ${i}\n\n[Service]\nType=oneshot\nExecStart=/bin/true\n`);
    fs.symlinkSync(path.join(lib, `job${i}.timer`), path.join(wants, `job${i}.timer`));
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-bench-timers-'));
  try {
    writeImage(root, count);
    const dirs = { unitDirs: [], systemDirs: SYSTEM_UNIT_DIRS.map((d) => path.join(root, d)) };
    const options = (parseArgs(['--', '/bin/true'], {}) as { options: InitOptions }).options;
    const log = createLogger(0, 'text');
    const table = new ProcessTable();
    const watch = new ChildWatch(table);
    const output = new ServiceOutput('text', new StdoutWriter(fs.openSync('/dev/null', 'w')));
    // As PID 1 runs once the supervisor is loaded (services.ts): its JavaScript interpreted only.
    interpretOnly();
    // The clock's own module (loaded at its first use) is not part of what is measured.
    performance.now();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const registry = new UnitRegistry(dirs, log);
    const supervisor = new Supervisor({ table, watch, log, output, options, registry, runtimeRoot: path.join(root, 'run') });
    registry.load();
    const loaded = performance.now();
    await supervisor.start();
    // The runtime timer is armed once, after this turn's activations (timer-units.ts).
    await Promise.resolve();
    const armed = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const timers = [...supervisor.runners.keys()].filter((n) => n.endsWith('.timer'));
    const waiting = timers.filter((n) => supervisor.types.timer.idleSubState?.(n) === 'waiting' && supervisor.types.timer.elapse?.(n)?.nextUs !== undefined);
    const services = [...supervisor.runners.keys()].filter((n) => n.endsWith('.service'));
    process.stdout.write(
      `${JSON.stringify({
        count,
        loadMs: loaded - t0,
        armMs: armed - loaded,
        totalMs: armed - t0,
        cpuMs: (cpu.user + cpu.system) / 1000,
        timers: timers.length,
        waiting: waiting.length,
        services: services.length,
      })}\n`,
    );
    await supervisor.stopAll();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
