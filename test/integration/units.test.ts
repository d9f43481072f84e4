// Service units supervised by ts-init as PID 1 in a fresh PID namespace: start
// order and readiness, parallel starts, restarts with backoff, start limits,
// essential units, reverse-order shutdown with timeouts, forking and oneshot.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pid1HostPid, runAsPid1, startAsPid1 } from '../helpers/ts-init';
import { notifyDaemon, transitions, unitDir } from '../helpers/units';

const ts = (text: string, re: RegExp): number => Number(text.match(re)![1]);

describe('starting', () => {
  it('A After= B waits for B to be ready (READY=1, 1 s late); the CMD waits for both', async () => {
    // A is a notify unit too: a simple unit counts as started once spawned, before
    // its interpreter prints anything, so only a readiness time can order it with the CMD.
    const dir = unitDir({
      'a.service': `[Unit]\nAfter=b.service\n[Service]\nType=notify\nExecStart=${notifyDaemon(0.2, 'a')}\n`,
      'b.service': `[Service]\nType=notify\nExecStart=${notifyDaemon(1, 'b')}\n`,
    });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/usr/bin/python3', '-c', 'import time; print("cmd started", time.time())']);
    expect(r.code).toBe(0);
    const bReady = ts(r.stdout, /b\.service: b ready ([\d.]+)/);
    const aReady = ts(r.stdout, /a\.service: a ready ([\d.]+)/);
    const cmd = ts(r.stdout, /cmd started ([\d.]+)/);
    expect(aReady - bReady).toBeGreaterThanOrEqual(0.2);
    expect(cmd).toBeGreaterThanOrEqual(aReady);
    expect(transitions(r.stderr, 'b.service')).toEqual([
      'inactive (dead) -> activating (start)',
      'activating (start) -> active (running)',
      'active (running) -> deactivating (stop-sigterm)',
      'deactivating (stop-sigterm) -> inactive (dead)',
    ]);
  });

  it('independent units start in parallel', async () => {
    const slow = (label: string): string => `[Service]\nType=notify\nExecStart=${notifyDaemon(1.5, label)}\n`;
    const dir = unitDir({ 'p1.service': slow('p1'), 'p2.service': slow('p2'), 'p3.service': slow('p3') });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.code).toBe(0);
    for (const l of ['p1', 'p2', 'p3']) expect(r.stdout).toMatch(new RegExp(`${l} ready`));
    // In parallel: every one is started before any is ready (each takes 1.5 s to be),
    // read from the order of ts-init's log, not from clocks a loaded machine skews.
    const log = r.stderr.split('\n').filter((l) => /unit="p\d\.service"/.test(l) && l.includes(' -> '));
    const lastStart = log.findLastIndex((l) => l.includes('inactive (dead) -> activating (start)'));
    const firstReady = log.findIndex((l) => l.includes('activating (start) -> active (running)'));
    expect(log.filter((l) => l.includes('inactive (dead) -> activating (start)'))).toHaveLength(3);
    expect(firstReady, log.join('\n')).toBeGreaterThan(lastStart);
  });

  it('--no-wait starts the CMD without waiting for readiness', async () => {
    const dir = unitDir({ 'late.service': `[Service]\nType=notify\nExecStart=${notifyDaemon(3, 'late')}\n` });
    const r = await runAsPid1(['--no-wait', '--units', dir, '--', '/bin/echo', 'cmd-done']);
    expect(r.stdout).toMatch(/^cmd-done$/m);
    expect(r.stdout).not.toMatch(/late ready/);
    expect(r.ms).toBeLessThan(2500);
  });

  it('unit output reaches stdout line by line, tagged with the unit name (or as JSON)', async () => {
    const dir = unitDir({ 'talk.service': `[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo one; echo two >&2; printf three'\n` });
    const text = await runAsPid1(['--units', dir, '--', '/bin/true']);
    expect(text.stdout.split('\n').filter((l) => l.startsWith('talk.service: ')).sort()).toEqual([
      'talk.service: one', 'talk.service: three', 'talk.service: two',
    ]);
    const json = await runAsPid1(['--log-format', 'json', '--units', dir, '--', '/bin/true']);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { unit: string; stream: string; line: string });
    expect(lines.map((l) => `${l.unit} ${l.stream} ${l.line}`).sort()).toEqual([
      'talk.service stderr two', 'talk.service stdout one', 'talk.service stdout three',
    ]);
  });

  it('a condition that does not hold skips the unit without failing it', async () => {
    const dir = unitDir({ 'cond.service': `[Unit]\nConditionPathExists=/no/such/file\n[Service]\nExecStart=/bin/echo should-not-run\n` });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/should-not-run/);
    expect(r.stderr).toMatch(/condition failed: ConditionPathExists=\/no\/such\/file; not starting/);
  });
});

describe('restarts', () => {
  it('a crashing unit is restarted with a growing delay, then failed after the start limit', async () => {
    const dir = unitDir({
      'crash.service': `[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=4\n[Service]\nExecStart=/usr/bin/python3 -c 'print("run", flush=True); raise SystemExit(3)'\nRestart=on-failure\nRestartSec=200ms\n`,
    });
    // The CMD outlives the whole sequence however slow the machine; SIGTERM ends it after.
    const run = startAsPid1(['-v', '--log-format', 'json', '--no-wait', '--units', dir, '--', '/bin/sleep', '120']);
    await run.waitFor(/"msg":"activating \(auto-restart\) -> failed \(failed\)"/, 'stderr', 60_000);
    process.kill(await pid1HostPid(run.child.pid!), 'SIGTERM');
    const r = await run.result;
    type Rec = { time: string; unit?: string; msg?: string; line?: string };
    const records = (text: string): Rec[] => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Rec);
    expect(records(r.stdout).filter((l) => l.unit === 'crash.service' && l.line === 'run')).toHaveLength(4);
    // Measured on ts-init's own clock, from the decision to restart to the new start, so
    // the interpreter's start-up time on a loaded machine does not count.
    const log = records(r.stderr).filter((l) => l.unit === 'crash.service');
    const waits: Array<{ scheduled: number; waited: number }> = [];
    log.forEach((l, i) => {
      const m = /^scheduling restart in (\d+) ms/.exec(l.msg ?? '');
      if (!m) return;
      // The restart, or (the fourth time) the start limit's refusal, when the delay is over.
      const next = log.slice(i).find((n) => n.msg?.startsWith('activating (auto-restart) -> '));
      expect(next, `nothing after ${l.msg}`).toBeDefined();
      waits.push({ scheduled: Number(m[1]), waited: Date.parse(next!.time) - Date.parse(l.time) });
    });
    // 200 ms, 400 ms, 800 ms, then 1,600 ms before the refusal: each honoured in full
    // (the log's clock counts whole ms).
    expect(waits.map((w) => w.scheduled)).toEqual([200, 400, 800, 1600]);
    for (const w of waits) expect(w.waited, JSON.stringify(waits)).toBeGreaterThanOrEqual(w.scheduled - 1);
    expect(log.some((l) => /start request repeated too quickly/.test(l.msg ?? ''))).toBe(true);
    expect(log.filter((l) => / -> /.test(l.msg ?? '')).at(-1)?.msg).toBe('activating (auto-restart) -> failed (failed)');
  }, 90_000);

  it('Restart=always brings back a unit that exits cleanly', async () => {
    const dir = unitDir({ 'again.service': `[Service]\nExecStart=/bin/sh -c 'echo tick; sleep 0.2'\nRestart=always\nRestartSec=100ms\n` });
    const r = await runAsPid1(['--units', dir, '--', '/bin/sleep', '2']);
    expect(r.stdout.match(/again\.service: tick/g)!.length).toBeGreaterThanOrEqual(3);
  });
});

describe('essential units', () => {
  it('FailureAction=exit stops the container with the unit failure as exit status', async () => {
    const dir = unitDir({
      'essential.service': `[Unit]\nFailureAction=exit\nFailureActionExitStatus=42\n[Service]\nExecStart=/bin/sh -c 'sleep 0.5; exit 1'\n`,
    });
    const r = await runAsPid1(['--units', dir, '--poststopcmd', 'echo "reason=$TS_INIT_REASON code=$TS_INIT_EXIT_CODE"', '--', '/bin/sleep', '100']);
    expect(r.code).toBe(42);
    expect(r.stdout).toMatch(/reason=unit-failure code=42/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('SuccessAction=exit ends the container when a oneshot job completes', async () => {
    const dir = unitDir({ 'job.service': `[Unit]\nSuccessAction=exit\n[Service]\nType=oneshot\nExecStart=/bin/sleep 0.3\n` });
    const r = await runAsPid1(['--no-wait', '--units', dir, '--', '/bin/sleep', '100']);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5000);
  });
});

describe('stopping', () => {
  it('units stop in reverse dependency order when the CMD exits', async () => {
    // Each service takes 0.3 s to shut down after SIGTERM and says when it began.
    const unit = (label: string, after = ''): string =>
      `[Unit]\n${after ? `After=${after}\n` : ''}[Service]\nExecStart=/bin/sh -c "trap 'echo ${label} stop $$(date +%%s.%%N); sleep 0.3; exit 0' TERM; echo ${label} up; while :; do sleep 0.05; done"\n`;
    const dir = unitDir({ 'db.service': unit('db'), 'app.service': unit('app', 'db.service'), 'web.service': unit('web', 'app.service') });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.code).toBe(0);
    const web = ts(r.stdout, /web stop ([\d.]+)/);
    const app = ts(r.stdout, /app stop ([\d.]+)/);
    const db = ts(r.stdout, /db stop ([\d.]+)/);
    expect(app - web).toBeGreaterThanOrEqual(0.25);
    expect(db - app).toBeGreaterThanOrEqual(0.25);
    expect(r.stderr).toMatch(/all units stopped/);
  });

  it('a unit that ignores SIGTERM gets SIGKILL after TimeoutStopSec', async () => {
    // The CMD ends only once the unit ignores SIGTERM (else, on a loaded machine, the stop can come first).
    const dir = unitDir({ 'stubborn.service': `[Service]\nExecStart=/bin/sh -c 'trap "" TERM; touch /run/stubborn-trapped; while :; do sleep 0.1; done'\nTimeoutStopSec=1\n` });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', 'until [ -e /run/stubborn-trapped ]; do sleep 0.05; done']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/still running 1000 ms after signal 15; sending signal 9/);
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect(r.ms).toBeLessThan(6000);
  });

  it('SIGTERM to PID 1 stops the CMD and then the units, exit 143', async () => {
    const dir = unitDir({ 'svc.service': `[Service]\nExecStart=/bin/sh -c 'echo svc-up; exec sleep 1000'\n` });
    const run = startAsPid1(['-v', '--units', dir, '--', '/bin/sleep', '1000']);
    await run.waitFor(/svc-up/);
    process.kill(await pid1HostPid(run.child.pid!), 'SIGTERM');
    const r = await run.result;
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/stopped svc\.service/);
  });

  it('ExecStop runs with $MAINPID, then ExecStopPost', async () => {
    const dir = unitDir({
      'polite.service': `[Service]\nExecStart=/bin/sleep 1000\nExecStop=/bin/sh -c 'echo "stop main=$MAINPID"; kill $MAINPID'\nExecStopPost=/bin/echo post-ran\n`,
    });
    const r = await runAsPid1(['--units', dir, '--', '/bin/true']);
    expect(r.stdout).toMatch(/polite\.service: stop main=\d+/);
    expect(r.stdout).toMatch(/polite\.service: post-ran/);
    expect(r.stdout.indexOf('stop main=')).toBeLessThan(r.stdout.indexOf('post-ran'));
  });
});

describe('service types', () => {
  it('forking: waits for the parent to exit and tracks the daemon from PIDFile', async () => {
    const dir = unitDir({
      'daemon.service': `[Service]\nType=forking\nPIDFile=/run/daemon.pid\nExecStart=/bin/sh -c 'sleep 1000 & echo $! > /run/daemon.pid'\nRestart=no\n`,
    });
    // The CMD kills the daemon by its PID file; ts-init must notice the main process died.
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', 'kill $(cat /run/daemon.pid); sleep 0.5']);
    expect(r.code).toBe(0);
    expect(transitions(r.stderr, 'daemon.service')).toEqual([
      'inactive (dead) -> activating (start)',
      'activating (start) -> active (running)',
      'active (running) -> deactivating (stop-sigterm)',
      'deactivating (stop-sigterm) -> inactive (dead)',
    ]);
  });

  it('forking: a daemon in a session of its own whose parent exited is the main pid, from a PID file root does not own', async () => {
    // pg_ctl's way: the daemon calls setsid() and its starter exits, so only its adoption
    // by ts-init during this start ties it to the unit (systemd would see it in the cgroup).
    const script = `/tmp/ts-init-own-daemon-${process.pid}.sh`;
    fs.writeFileSync(script, `setsid /bin/sh -c 'sleep 1000 & echo $! > /run/own.pid; chown nobody /run/own.pid' </dev/null >/dev/null 2>&1 &\nsleep 0.3\n`);
    const dir = unitDir({ 'ownsession.service': `[Service]\nType=forking\nPIDFile=/run/own.pid\nExecStart=/bin/sh ${script}\n` });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', 'sleep 0.5; stat -c "owner=%U" /run/own.pid; cat /proc/$(cat /run/own.pid)/comm']);
    fs.rmSync(script, { force: true });
    expect(r.stdout).toMatch(/owner=nobody/);
    expect(r.stdout).toMatch(/^sleep$/m);
    expect(r.stderr).not.toMatch(/refusing it/);
    expect(transitions(r.stderr, 'ownsession.service')).toContain('activating (start) -> active (running)');
  });

  it('forking without the PID file, nothing of the unit left: fails at once with result resources, as systemd', async () => {
    const dir = unitDir({
      'nopid.service': `[Service]\nType=forking\nPIDFile=/run/never.pid\nExecStart=/bin/true\n`,
      // A stale PID file: the starter wrote its own pid, and is gone.
      'stale.service': `[Service]\nType=forking\nPIDFile=/run/stale.pid\nExecStart=/bin/sh -c 'echo $$$$ > /run/stale.pid'\n`,
    });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.stderr).toMatch(/PID file not readable after start/);
    expect(r.stderr).toMatch(/no process of the unit is left to write its PID file \/run\/stale\.pid unit=\\?"stale\.service/);
    for (const u of ['nopid.service', 'stale.service']) expect(transitions(r.stderr, u).at(-1)).toBe('deactivating (stop-sigterm) -> failed (failed)');
    // Not the 5 s wait: nothing could write the file any more.
    expect(r.ms).toBeLessThan(4000);
  });

  it('forking whose daemon lives but never writes its PID file: waited for 5 s, then fails', async () => {
    const dir = unitDir({ 'silent.service': `[Service]\nType=forking\nPIDFile=/run/silent.pid\nExecStart=/bin/sh -c 'setsid sleep 1000 & exit 0'\n` });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.stderr).toMatch(/PID file not readable after start/);
    expect(transitions(r.stderr, 'silent.service').at(-1)).toBe('deactivating (stop-sigterm) -> failed (failed)');
    // The PID file is waited for 5 s, as promised; the suite's own limit covers a slow machine.
    expect(r.ms).toBeGreaterThanOrEqual(5000);
  });

  it('oneshot with RemainAfterExit stays active (exited) until shutdown runs its ExecStop', async () => {
    const dir = unitDir({
      'setup.service': `[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/echo first\nExecStart=/bin/sh -c 'echo second; echo done > /run/setup-done'\nExecStop=/bin/echo teardown\n`,
    });
    // The unit's lines reach stdout through ts-init and the CMD's directly, so their order on
    // stdout says nothing; what the CMD finds on disk says that it started after the job ended.
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/sh', '-c', 'echo "cmd saw $(cat /run/setup-done)"']);
    expect(r.stdout.indexOf('setup.service: first')).toBeLessThan(r.stdout.indexOf('setup.service: second'));
    expect(r.stdout).toMatch(/^cmd saw done$/m);
    expect(r.stdout).toMatch(/setup\.service: teardown/);
    expect(transitions(r.stderr, 'setup.service')[1]).toBe('activating (start) -> active (exited)');
  });

  it('a failing ExecStartPre fails the start unless prefixed with -', async () => {
    const dir = unitDir({
      'pre.service': `[Service]\nExecStartPre=-/bin/false\nExecStartPre=/bin/echo pre-ok\nExecStart=/bin/sleep 1000\n`,
      'prefail.service': `[Service]\nExecStartPre=/bin/false\nExecStart=/bin/echo never\n`,
    });
    const r = await runAsPid1(['-v', '--units', dir, '--', '/bin/true']);
    expect(r.stdout).toMatch(/pre\.service: pre-ok/);
    expect(r.stdout).not.toMatch(/never/);
    expect(transitions(r.stderr, 'prefail.service').at(-1)).toMatch(/-> failed \(failed\)$/);
  });

  it('User= runs the command with that uid, its groups, and HOME', async () => {
    const dir = unitDir({ 'who.service': `[Service]\nType=oneshot\nUser=nobody\nExecStart=/bin/sh -c 'echo "uid=$(id -u) home=$HOME user=$USER"'\n` });
    const r = await runAsPid1(['--units', dir, '--', '/bin/true']);
    expect(r.stdout).toMatch(/who\.service: uid=65534 home=\/nonexistent user=nobody/);
  });
});
