// The unit directory watcher: a directory of symlinks (as /etc/systemd/system is) starts no
// reload by being watched; a file written afterwards does, once, after the quiet period.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RELOAD_DEBOUNCE_MS, watchUnitDirectories } from '../../../src/supervisor/unit-watcher';
import type { Logger } from '../../../src/log/logger';
import { tempDir } from '../../helpers/temp-dir';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('unit directory watcher', () => {
  it('existing symlinks are not changes; a new unit file is', async () => {
    const dir = tempDir('ts-init-watch-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'real.service'), '[Service]\nExecStart=/bin/true\n');
    fs.mkdirSync(path.join(dir, 'multi-user.target.wants'));
    fs.symlinkSync(path.join(dir, 'real.service'), path.join(dir, 'alias.service'));
    fs.symlinkSync(path.join(dir, 'real.service'), path.join(dir, 'multi-user.target.wants', 'real.service'));
    let reloads = 0;
    const w = watchUnitDirectories([dir], async () => void reloads++, quiet)!;
    try {
      await new Promise<void>((r) => w.on('ready', () => r()));
      await sleep(RELOAD_DEBOUNCE_MS + 300);
      expect(reloads).toBe(0);
      fs.writeFileSync(path.join(dir, 'new.service'), '[Service]\nExecStart=/bin/true\n');
      for (let i = 0; i < 50 && reloads === 0; i++) await sleep(50);
      expect(reloads).toBe(1);
    } finally {
      await w.close();
    }
  });

  it('a unit file written in place, a link added to a .wants directory and a new drop-in directory are changes', async () => {
    const dir = tempDir('ts-init-watch-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'real.service'), '[Service]\nExecStart=/bin/true\n');
    fs.mkdirSync(path.join(dir, 'multi-user.target.wants'));
    let reloads = 0;
    const w = watchUnitDirectories([dir], async () => void reloads++, quiet)!;
    const changes = async (n: number) => {
      for (let i = 0; i < 50 && reloads < n; i++) await sleep(50);
      expect(reloads).toBe(n);
    };
    try {
      await new Promise<void>((r) => w.on('ready', () => r()));
      fs.appendFileSync(path.join(dir, 'real.service'), 'Restart=always\n');
      await changes(1);
      fs.symlinkSync(path.join(dir, 'real.service'), path.join(dir, 'multi-user.target.wants', 'real.service'));
      await changes(2);
      fs.mkdirSync(path.join(dir, 'real.service.d'));
      await changes(3);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a unit\n');
      await sleep(RELOAD_DEBOUNCE_MS + 300);
      expect(reloads).toBe(3);
    } finally {
      await w.close();
    }
  });

  it('started after the units were read, its first scan counts what changed since then, and only that', async () => {
    const dir = tempDir('ts-init-watch-');
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'real.service'), '[Service]\nExecStart=/bin/true\n');
    fs.mkdirSync(path.join(dir, 'multi-user.target.wants'));
    fs.symlinkSync(path.join(dir, 'real.service'), path.join(dir, 'multi-user.target.wants', 'real.service'));
    const scan = async (changedSince: number) => {
      let reloads = 0;
      const w = watchUnitDirectories([dir], async () => void reloads++, quiet, { changedSince })!;
      try {
        await new Promise<void>((r) => w.on('ready', () => r()));
        await sleep(RELOAD_DEBOUNCE_MS + 300);
        return reloads;
      } finally {
        await w.close();
      }
    };
    // Nothing written since (file times lag the clock by up to a tick): no reload.
    await sleep(100);
    expect(await scan(Date.now())).toBe(0);
    // A unit file written in place after the load.
    let loadedAt = Date.now();
    await sleep(20);
    fs.appendFileSync(path.join(dir, 'real.service'), 'Restart=always\n');
    expect(await scan(loadedAt)).toBe(1);
    // A link removed from a .wants directory (only the directory shows it).
    await sleep(20);
    loadedAt = Date.now();
    await sleep(20);
    fs.rmSync(path.join(dir, 'multi-user.target.wants', 'real.service'));
    expect(await scan(loadedAt)).toBe(1);
  });
});
