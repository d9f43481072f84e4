// Supervising N services: ts-init with N `.service` files against supervisord with
// N [program:] sections, all running the same program. Both run as ordinary
// processes (ts-init registers as a child subreaper); only the supervisor process
// itself is measured, never its children.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  childrenOf,
  cmdline,
  cpuTicks,
  initEnv,
  median,
  monoNs,
  msSince,
  pidsWithCmdline,
  schedTotals,
  sleep,
  startProcess,
  statusKb,
  waitFor,
} from './lib.mjs';

// Each service is `sleep <marker>`: it does nothing and dies of SIGTERM at once. The
// marker (a duration of ~30 years that no one else uses) tells the services of one
// supervisor apart from those of the other and from any other sleep on the machine.
let instances = 0;
const serviceArgv = () => ['/bin/sleep', String(900_000_000 + (process.pid % 100_000) * 100 + instances++)];

/** Timers armed beside the services of the "ts-init+timers" run: none due within an idle window. */
export const IDLE_TIMERS = 60;

function tsInitSetup(tsInitBin, count, dir, service, timers = 0) {
  const units = path.join(dir, 'units');
  fs.mkdirSync(units);
  for (let i = 0; i < count; i++) {
    fs.writeFileSync(
      path.join(units, `svc${i}.service`),
      `[Unit]\nDescription=bench service ${i}\n\n[Service]\nType=simple\nExecStart=${service.join(' ')}\n`,
    );
  }
  // Calendar timers (daily at some minute, yearly) and monotonic ones (a day after boot), as an
  // image's housekeeping timers are; their services are oneshots that ran once at the start.
  // The daily ones fall in the hour twelve hours away from now (local time, as ts-init reads
  // them): a fixed hour made a run in that hour see its elapses in the idle window.
  const hour = String((new Date().getHours() + 12) % 24).padStart(2, '0');
  for (let i = 0; i < timers; i++) {
    const when = i % 3 === 0 ? `OnCalendar=*-*-* ${hour}:${String(i % 60).padStart(2, '0')}:00` : i % 3 === 1 ? 'OnCalendar=yearly' : 'OnBootSec=1d';
    fs.writeFileSync(path.join(units, `job${i}.timer`), `[Timer]\n${when}\nPersistent=no\n`);
    fs.writeFileSync(path.join(units, `job${i}.service`), '[Service]\nType=oneshot\nExecStart=/bin/true\n');
  }
  // The control socket goes to the scratch directory, not /run/ts-init.sock.
  return {
    file: tsInitBin,
    args: ['--units', units, '--control-socket', path.join(dir, 'ctl.sock'), '--', 'sleep', 'infinity'],
  };
}

function supervisordSetup(count, dir, service) {
  const sections = [
    '[supervisord]',
    'nodaemon=true',
    'user=root',
    `logfile=${dir}/supervisord.log`,
    `pidfile=${dir}/supervisord.pid`,
    `childlogdir=${dir}`,
    '',
  ];
  for (let i = 0; i < count; i++) {
    // startsecs=0: RUNNING as soon as the process is started, as a Type=simple unit is.
    sections.push(`[program:svc${i}]`, `command=${service.join(' ')}`, 'startsecs=0', '');
  }
  const conf = path.join(dir, 'supervisord.conf');
  fs.writeFileSync(conf, sections.join('\n'));
  return { file: '/usr/bin/supervisord', args: ['-n', '-c', conf] };
}

/** How many of the supervisor's children have become the service program. */
const runningServices = (pid, service) => childrenOf(pid).filter((c) => cmdline(c).join('\0') === service.join('\0')).length;

/**
 * Starts a supervisor with `count` services and waits until all of them run.
 * Returns a handle with the start-up time; `measureMemory()`, `ticks()` and `stop()`
 * work on the supervisor process.
 */
export async function startSupervisor(name, count, tsInitBin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ts-init-bench-${name}-`));
  const service = serviceArgv();
  const setup = name.startsWith('ts-init')
    ? tsInitSetup(tsInitBin, count, dir, service, name === 'ts-init+timers' ? IDLE_TIMERS : 0)
    : supervisordSetup(count, dir, service);
  const t0 = monoNs();
  const p = startProcess(setup.file, setup.args, { env: initEnv() });
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    await waitFor(() => runningServices(p.pid, service) >= count, 60_000, 2, `${name}: ${count} services running`);
  } catch (err) {
    await p.stop('SIGKILL');
    killStrays(service);
    cleanup();
    throw err;
  }
  const readyMs = msSince(t0);
  return {
    name,
    count,
    readyMs,
    pid: p.pid,
    memory() {
      const s = statusKb(p.pid);
      return { rss: s.VmRSS, anon: s.RssAnon, hwm: s.VmHWM };
    },
    ticks: () => cpuTicks(p.pid),
    sched: () => schedTotals(p.pid),
    /** SIGTERM; resolves with the time until the supervisor exited and the services it left behind. */
    async stop() {
      const t1 = monoNs();
      const inTime = await p.stop('SIGTERM', 60_000);
      const end = await p.exited;
      const stopMs = Number(end.at - t1) / 1e6;
      const strays = killStrays(service);
      cleanup();
      return { stopMs: inTime ? stopMs : NaN, strays, exit: end.code ?? end.signal, stderr: p.stderr() };
    },
  };
}

/** Kills services of this run still alive after their supervisor is gone; returns how many there were. */
function killStrays(service) {
  const strays = pidsWithCmdline(service);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return strays.length;
}

/**
 * Everything for both supervisors: memory at 10 and 50 services (2 s after all
 * services run), start-up time and SIGTERM-to-exit time (medians over `reps`
 * start/stop cycles, the supervisors taking turns: supervisord's times depend on
 * where in its 1 s main loop an event falls), and, in the first cycle with 10
 * services, CPU use over an idle window of `idleSeconds` (both supervisors idle
 * side by side in that window, so it is spent once).
 */
export async function unitsBench(tsInitBin, idleSeconds, reps, log) {
  const names = ['ts-init', 'supervisord'];
  const samples = {};
  const add = (key, values) => (samples[key] ??= []).push(values);
  for (let rep = 0; rep < reps; rep++) {
    // 10 services: start each in turn, measure, (first cycle) one common idle window, stop.
    const running = [];
    const got = {};
    try {
      for (const name of names) {
        log(`  ${name}, 10 services${reps > 1 ? ` (${rep + 1}/${reps})` : ''}`);
        const s = await startSupervisor(name, 10, tsInitBin);
        running.push(s);
        await sleep(2000);
        got[name] = { readyMs: s.readyMs, ...s.memory() };
      }
      if (rep === 0) {
        // A third run idles beside them: ts-init with the same services and timers armed.
        log(`  ts-init, 10 services and ${IDLE_TIMERS} timers`);
        const timed = await startSupervisor('ts-init+timers', 10, tsInitBin);
        running.push(timed);
        // Its 60 timer services run once at the start: the start-up's last work (their ends, the
        // memory given back after a burst) is over before the window.
        await sleep(5000);
        got[timed.name] = {};
        log(`  all idle for ${idleSeconds} s`);
        const before = running.map((s) => ({ ticks: s.ticks(), sched: s.sched() }));
        await sleep(idleSeconds * 1000);
        running.forEach((s, k) => {
          const after = s.sched();
          const b = before[k].sched;
          Object.assign(got[s.name], {
            idleTicks: s.ticks() - before[k].ticks,
            idleCpuMs: after && b ? after.cpuMs - b.cpuMs : NaN,
            idleSwitches: after && b ? after.switches - b.switches : NaN,
          });
        });
      }
    } finally {
      for (const s of running.splice(0)) Object.assign((got[s.name] ??= {}), await s.stop());
    }
    for (const name of names) add(`${name}/10`, got[name]);
    if (got['ts-init+timers']) add('ts-init+timers/10', got['ts-init+timers']);
    // 50 services: one supervisor at a time.
    for (const name of names) {
      log(`  ${name}, 50 services${reps > 1 ? ` (${rep + 1}/${reps})` : ''}`);
      const s = await startSupervisor(name, 50, tsInitBin);
      let mem;
      try {
        await sleep(2000);
        mem = s.memory();
      } finally {
        add(`${name}/50`, { readyMs: s.readyMs, ...mem, ...(await s.stop()) });
      }
    }
  }
  // Medians of the numbers; the idle figures come from the first cycle; strays add up.
  const out = {};
  for (const [key, list] of Object.entries(samples)) {
    const o = {};
    for (const field of Object.keys(list[0])) {
      const values = list.map((v) => v[field]).filter((v) => typeof v === 'number');
      if (field === 'strays') o[field] = values.reduce((a, b) => a + b, 0);
      else if (field.startsWith('idle')) o[field] = list[0][field];
      else if (values.length) o[field] = median(values);
    }
    out[key] = o;
  }
  return out;
}
