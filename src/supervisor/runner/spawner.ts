// Starting one of the unit's commands: the environment systemd gives it (INVOCATION_ID,
// NOTIFY_SOCKET, CREDENTIALS_DIRECTORY, STATE_DIRECTORY and its kin, MAINPID, WATCHDOG_USEC,
// LISTEN_FDS for the main process, with OpenFile='s files after the sockets), the launch,
// and the new process's claim in the exit channel.
import type { LaunchResult, PassFds } from '../../exec/unit-launch';
import { EXIT_FDS, withOpenFiles } from '../../exec/open-files';
import type { ExecCommand, UnitConfig } from '../../units/unit';
import { execDirectoryEnvironment } from '../exec-directories';
import type { Phase, Role } from '../lifecycle';
import { commandsOf } from '../unit-policy';
import type { UnitView } from './unit-view';

export type Launch = (unit: UnitConfig, command: ExecCommand, extraEnv: Record<string, string>, passFds?: PassFds) => LaunchResult;

export interface SpawnerDeps {
  launch: Launch;
  /** The descriptors a service is handed (socket activation). */
  fdsFor?: (service: string) => PassFds | undefined;
  /** What this run's commands are told: its INVOCATION_ID, NOTIFY_SOCKET and CREDENTIALS_DIRECTORY. */
  run: () => { invocation: string; notifyPath?: string; credentialsDir?: string };
  /** A process was made: the unit answers for it (sessions, exit claim). */
  made: (pid: number) => void;
}

export class Spawner {
  constructor(
    private readonly unit: UnitView,
    private readonly deps: SpawnerDeps,
  ) {}

  spawn(phase: Phase, index: number, role: Role): void {
    const unit = this.unit;
    const command = commandsOf(unit.config, phase)[index]!;
    const run = this.deps.run();
    const extra: Record<string, string> = { INVOCATION_ID: run.invocation };
    if (run.notifyPath) extra.NOTIFY_SOCKET = run.notifyPath;
    if (run.credentialsDir) extra.CREDENTIALS_DIRECTORY = run.credentialsDir;
    Object.assign(extra, execDirectoryEnvironment(unit.config));
    if (unit.state.mainPid !== undefined) extra.MAINPID = String(unit.state.mainPid);
    if (unit.policy.watchdogMs > 0) extra.WATCHDOG_USEC = String(unit.policy.watchdogMs * 1000);
    // LISTEN_FDS: the sockets go to the main process only, as in systemd.
    const sockets = phase === 'start' ? this.deps.fdsFor?.(unit.name) : undefined;
    const files = withOpenFiles(sockets, phase === 'start' ? unit.config.openFiles : [], (why) => unit.log.info({ unit: unit.name }, `${why}; skipped (graceful)`));
    if (files.error) {
      unit.log.error({ unit: unit.name }, `${phase} command failed to start (status ${EXIT_FDS}): ${files.error}`);
      unit.send({ type: 'spawn-failed', role, status: EXIT_FDS });
      return;
    }
    const r = this.deps.launch(unit.config, command, extra, files.pass);
    files.close();
    if (!r.ok && r.transient) {
      // A passing shortage must not fail (or wedge) the unit: the machine tries again
      // while it still waits for this very command; its phase timeout bounds the wait.
      unit.send({ type: 'effect-failed', effect: { type: 'spawn', phase, index, role }, transient: true, message: r.message });
      return;
    }
    if (!r.ok) {
      unit.log.error({ unit: unit.name }, `${phase} command failed to start (status ${r.status}): ${r.message} [${command.file}:${command.line}]`);
      unit.send({ type: 'spawn-failed', role, status: r.status });
      return;
    }
    unit.log.debug({ unit: unit.name, pid: r.pid, via: r.via }, `${phase} command started`);
    this.deps.made(r.pid);
    unit.send({ type: 'spawned', role, pid: r.pid });
  }
}
