// The unit side of PID 1's sequence, put together: supervisor, its Manager for
// the control plane, the unit directory watcher and the control socket. Loaded
// only when there are unit directories, so a plain tini-style run never pays for it.
import type { InitOptions } from './cli/options';
import type { Services, ServicesFactory } from './init/init';
import { ServiceOutput } from './output/service-output';
import { runBootMachinery, runGeneratorsStep } from './boot/boot';
import { hostFacts } from './boot/host-facts';
import { setupMachineId } from './boot/machine-id';
import { announceSystemd, takeInitName } from './boot/systemd-identity';
import { writeBootRecord, writeRunlevelRecord, writeShutdownRecord } from './boot/utmp';
import { startBus, startPrivateBus } from './bus-start';
import { startControl } from './control-start';
import { type RunningJournal, startJournal } from './journal-start';
import { teeLogger } from './log/tee-logger';
import { runDirectoryProblem, withoutRunDirs } from './hooks/run-directory';
import { Supervisor } from './supervisor/supervisor';
import { nativeUnitDirs, type UnitDirectories } from './supervisor/unit-dirs';
import { UnitManager } from './supervisor/unit-manager';
import { UnitRegistry } from './supervisor/unit-registry';
import { watchUnitDirectories } from './supervisor/unit-watcher';
import { timeOrigin } from './sys/clock';
import { holdReleasesUntil, interpretOnly } from './sys/memory';

/** The longest the unit directory watcher waits for the boot's start jobs before its first scan. */
const WATCH_AFTER_MS = 3000;
/** How long shutdown waits for stdout to take the last unit output lines. */
const STDOUT_FLUSH_MS = 2000;

/**
 * ownsMachine: PID 1 of a container's own root (personality/rule.ts), which sets up /etc/machine-id;
 * systemdIdentity: it also says it is systemd (/run/systemd/system).
 */
export function servicesFactory(
  o: InitOptions,
  dirs: UnitDirectories,
  machine: { ownsMachine: boolean; systemdIdentity?: boolean } = { ownsMachine: false },
): { factory: ServicesFactory; output: ServiceOutput } {
  const output = new ServiceOutput(o.logFormat, undefined, { mode: o.logConsole, maxLevel: o.logConsoleMaxLevel });
  const factory: ServicesFactory = ({ table, watch, log: console, requestShutdown }): Services => {
    // ts-init's own lines go to the journal too, once it runs (as systemd's own do).
    let journal: RunningJournal | undefined;
    const log = teeLogger(console, (level, message, unit) => journal?.own(level, message, unit));
    // Hooks, the journal's writer, generators and units on PID 1's pipes spawn through
    // child_process: record them all from here on. Loaded before interpretOnly(), the runtime's
    // code cache for child_process (and the net and stream modules it loads) still matches the
    // flags: loaded after, they were compiled from source, some 30-40 ms of PID 1's CPU per boot.
    table.hookChildProcess();
    interpretOnly();
    // A /run others may write that ts-init could not make its own (init/init.ts said so): no
    // units are read from it, and the boot machinery, which reads and writes there, does not run.
    const untrustedRun = dirs.systemDirs.length > 0 && runDirectoryProblem() !== undefined;
    const registry = new UnitRegistry(untrustedRun ? { ...dirs, systemDirs: withoutRunDirs(dirs.systemDirs) } : dirs, log);
    // This boot's first-boot answer is taken before the machine ID is set up (which fills the file).
    let firstBoot: boolean | undefined;
    let commitMachineId: (() => void) | undefined;
    const facts = hostFacts(process.env, { firstBoot: () => firstBoot });
    const supervisor = new Supervisor({ table, watch, log, output, options: o, registry, facts });
    const manager = new UnitManager(registry, supervisor, output, log, requestShutdown);
    let stopWatching: () => unknown = () => undefined;
    let stopping = false;
    let control: { close(): Promise<void> | void } | undefined;
    let bus: { close(): void } | undefined;
    let privateBus: { close(): void } | undefined;
    let saysSystemd = false;
    // systemd-update-utmp's records (boot, runlevel, shutdown), written where ts-init says it is systemd.
    let bootRecords = false;
    return {
      async start() {
        // systemd's boot machinery: generators and SysV scripts before the units load, tmpfiles.d before the first starts;
        // the generators again on every daemon-reload (one run at a time).
        if (registry.dirs.systemDirs.length && !untrustedRun) {
          if (machine.systemdIdentity && (saysSystemd = announceSystemd(log))) takeInitName(log);
          if (machine.ownsMachine) ({ firstBoot, commit: commitMachineId } = setupMachineId(log, facts.container() !== undefined));
          const boot = { log, facts: supervisor.facts, nativeDirs: nativeUnitDirs(registry.dirs.systemDirs), ownsMachine: machine.ownsMachine };
          await runBootMachinery(boot);
          // After tmpfiles.d, which makes /run/utmp (systemd-update-utmp.service is ordered so too).
          if ((bootRecords = machine.systemdIdentity === true)) writeBootRecord(log, timeOrigin());
          manager.beforeReload(() => runGeneratorsStep(boot));
          // The journal listens before any unit starts (syslog.socket's daemon, too, finds it there).
          journal = startJournal({
            supervisor,
            table,
            log: console,
            linkDevLog: machine.ownsMachine,
            console: (f) => output.journalMessage(f),
            writerConsole: { consoleMode: o.logConsole, consoleMaxLevel: o.logConsoleMaxLevel, logFormat: o.logFormat },
          });
          const j = journal;
          if (j) output.toJournal = { line: (unit, line) => j.sinks.unitLine(unit, line), full: () => j.feed.full(), onRoom: (then) => j.feed.onRoom(then) };
          // Where the writer runs, units write to it directly (PID 1's pipes are the fallback).
          if (j?.unitStreams) output.toJournalStream = j.unitStreams;
        }
        const loadedAt = Date.now();
        registry.load();
        control = await startControl(manager, o, log);
        // The system bus, when the image runs one: ts-init answers there as systemd does.
        bus = startBus(manager, log);
        // systemd's private socket, where systemd 257's systemctl (as root) looks for PID 1.
        if (saysSystemd) privateBus = startPrivateBus(manager, log);
        const booting = supervisor.start();
        holdReleasesUntil(booting);
        // The watcher's first scan (an lstat of every entry, a realpath of every link) would take
        // PID 1's time from the units starting: it waits for the start jobs, at most WATCH_AFTER_MS,
        // and counts what changed since the load as a change.
        let wait: NodeJS.Timeout | undefined;
        const waited = new Promise<void>((resolve) => (wait = setTimeout(resolve, WATCH_AFTER_MS).unref()));
        void Promise.race([booting.catch(() => undefined), waited]).then(() => {
          clearTimeout(wait);
          if (stopping) return;
          const dirs = registry.dirs;
          // /etc/systemd/system is where enabling a unit shows; the vendor directories only change with packages.
          // A changed file re-reads the units; only an asked-for daemon-reload runs the generators again.
          const watched = [...dirs.unitDirs, ...dirs.systemDirs.filter((d) => d === '/etc/systemd/system')];
          const watcher = watchUnitDirectories(watched, () => manager.daemonReload({ generators: false }), log, { changedSince: loadedAt });
          stopWatching = () => watcher?.close();
        });
        await booting;
        if (bootRecords) {
          const targets = await manager.status(['graphical.target', 'multi-user.target', 'rescue.target']).catch(() => []);
          writeRunlevelRecord(log, new Set(targets.filter((t) => t.activeState === 'active').map((t) => t.name)));
        }
        // systemd-machine-id-commit: a first boot's transient ID made permanent once the boot is done.
        commitMachineId?.();
      },
      async stopAll() {
        stopping = true;
        await stopWatching();
        // Still on the bus while the units stop, as systemd is: their stop commands ask systemctl
        // (Debian's init-functions does, for every init script), which would otherwise wait out
        // the bus's 25 s activation timeout for a systemd1 that has gone.
        await supervisor.stopAll();
        bus?.close();
        privateBus?.close();
        if (bootRecords) writeShutdownRecord(log);
        await control?.close();
        // Stopped processes are reaped before their pipes are read to the end; keep their last lines.
        await output.drained(1000);
        // A stdout nobody reads must not hold up the exit: what it did not take is counted.
        const lost = await output.flushed(STDOUT_FLUSH_MS);
        if (lost > 0) log.warn(`${lost} unit output lines not written: stdout is not being read`);
        await journal?.close();
      },
      onContainerExit: (listener) => supervisor.onContainerExit(listener),
    };
  };
  return { factory, output };
}
