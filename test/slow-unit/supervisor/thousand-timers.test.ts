// 1,000 calendar timers and their services in an image's layout load and arm as one boot: every
// timer waits with its next elapse (each its own, after now), their services are loaded and not
// started. What it costs is the bench's (bench/timers.mjs); a test does not time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type InitOptions, parseArgs } from '../../../src/cli/options';
import { createLogger } from '../../../src/log/logger';
import { ServiceOutput } from '../../../src/output/service-output';
import { StdoutWriter } from '../../../src/output/stdout-writer';
import { ChildWatch } from '../../../src/process/child-watch';
import { ProcessTable } from '../../../src/process/process-table';
import { Supervisor } from '../../../src/supervisor/supervisor';
import { SYSTEM_UNIT_DIRS } from '../../../src/supervisor/unit-dirs';
import { UnitRegistry } from '../../../src/supervisor/unit-registry';
import { tempDir } from '../../helpers/temp-dir';

const COUNT = 1000;
const root = tempDir('ts-init-thousand-timers-');
let supervisor: Supervisor | undefined;

afterAll(async () => {
  await supervisor?.stopAll();
});

describe('a thousand timers', () => {
  it('load and arm: every timer waits for its own next elapse, its service loaded and not started', async () => {
    const lib = path.join(root, 'lib/systemd/system');
    const wants = path.join(root, 'etc/systemd/system/timers.target.wants');
    fs.mkdirSync(lib, { recursive: true });
    fs.mkdirSync(wants, { recursive: true });
    for (let i = 0; i < COUNT; i++) {
      const when = i % 2 === 0 ? 'daily' : `*-*-* ${i % 24}:${String(i % 60).padStart(2, '0')}:00 UTC`;
      fs.writeFileSync(path.join(lib, `job${i}.timer`), `[Timer]\nOnCalendar=${when}\nAccuracySec=1s\n\n[Install]\nWantedBy=timers.target\n`);
      fs.writeFileSync(path.join(lib, `job${i}.service`), '[Service]\nType=oneshot\nExecStart=/bin/true\n');
      fs.symlinkSync(path.join(lib, `job${i}.timer`), path.join(wants, `job${i}.timer`));
    }
    const options = (parseArgs(['--', '/bin/true'], {}) as { options: InitOptions }).options;
    const log = createLogger(0, 'text');
    const table = new ProcessTable();
    const watch = new ChildWatch(table);
    const output = new ServiceOutput('text', new StdoutWriter(fs.openSync('/dev/null', 'w')));
    const registry = new UnitRegistry({ unitDirs: [], systemDirs: SYSTEM_UNIT_DIRS.map((d) => path.join(root, d)) }, log);
    supervisor = new Supervisor({ table, watch, log, output, options, registry, runtimeRoot: path.join(root, 'run') });
    const before = Date.now() * 1000;
    await supervisor.start();
    const timers = supervisor.types.timer;
    const day = 86_400_000_000;
    for (let i = 0; i < COUNT; i++) {
      const name = `job${i}.timer`;
      expect(supervisor.runners.get(name)?.state.sub, name).not.toBe('dead');
      expect(timers.idleSubState?.(name), name).toBe('waiting');
      const next = timers.elapse?.(name)?.nextRealtimeUs;
      expect(next, name).toBeGreaterThan(before);
      expect(next, name).toBeLessThanOrEqual(before + day + 1_000_000);
      if (i % 2 === 1) {
        // *-*-* H:M:00 UTC
        const at = new Date(next! / 1000);
        expect([at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()], name).toEqual([i % 24, i % 60, 0]);
      }
      const service = supervisor.runners.get(`job${i}.service`);
      expect(service?.config.kind, name).toBe('service');
      expect(service?.state.sub, name).toBe('dead');
    }
    // Each daily timer elapses at the same midnight.
    expect(new Set(Array.from({ length: COUNT / 2 }, (_, k) => timers.elapse?.(`job${2 * k}.timer`)?.nextRealtimeUs)).size).toBe(1);
  }, 60_000);
});
