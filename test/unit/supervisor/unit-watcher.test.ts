// The unit directory watcher on a real directory (inotify): which changes become a
// reload, that a burst is one reload, that new drop-in and .wants directories are
// watched, and that nothing is reported after close().
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log/logger';
import { RELOAD_DEBOUNCE_MS, watchUnitDirectories, type UnitWatcher } from '../../../src/supervisor/unit-watcher';

const log = createLogger(0, 'text');
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, RELOAD_DEBOUNCE_MS + 250));

let dir: string;
let watcher: UnitWatcher | undefined;
let reloads = 0;

function start(): void {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-init-watch-'));
  reloads = 0;
  watcher = watchUnitDirectories([dir], async () => void reloads++, log);
}

afterEach(() => {
  watcher?.close();
  watcher = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('watchUnitDirectories', () => {
  it('turns a burst of unit file changes into one reload, and ignores other files', async () => {
    start();
    fs.writeFileSync(path.join(dir, 'a.service'), '[Service]\n');
    fs.writeFileSync(path.join(dir, 'b.service'), '[Service]\n');
    await settle();
    expect(reloads).toBe(1);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    await settle();
    expect(reloads).toBe(1);
    fs.rmSync(path.join(dir, 'a.service'));
    await settle();
    expect(reloads).toBe(2);
  });

  it('watches drop-in and .wants directories, also ones made after it started', async () => {
    start();
    fs.mkdirSync(path.join(dir, 'a.service.d'));
    await settle();
    const before = reloads;
    fs.writeFileSync(path.join(dir, 'a.service.d', 'override.conf'), '[Service]\n');
    await settle();
    expect(reloads).toBe(before + 1);
    fs.mkdirSync(path.join(dir, 'multi-user.target.wants'));
    await settle();
    expect(reloads).toBe(before + 2);
    fs.symlinkSync('/dev/null', path.join(dir, 'multi-user.target.wants', 'a.service'));
    await settle();
    expect(reloads).toBe(before + 3);
  });

  it('reports nothing after close()', async () => {
    start();
    watcher!.close();
    fs.writeFileSync(path.join(dir, 'a.service'), '[Service]\n');
    await settle();
    expect(reloads).toBe(0);
  });

  it('returns undefined when none of the directories exists', () => {
    expect(watchUnitDirectories([path.join(os.tmpdir(), 'ts-init-no-such-dir-x')], async () => undefined, log)).toBeUndefined();
  });
});
