import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectContainer, hostFacts, realFs, virtualizationString } from '../../../src/boot/host-facts';
import { tempDir } from '../../helpers/temp-dir';

describe('facts read from this machine', () => {
  it('an engine without $container is found by its marker file (systemd detect_container)', () => {
    expect(detectContainer({}, (p) => p === '/run/.containerenv')).toBe('podman');
    expect(detectContainer({}, (p) => p === '/.dockerenv')).toBe('docker');
    expect(detectContainer({ container: 'docker' }, () => false)).toBe('docker');
    expect(detectContainer({ container: 'something' }, () => false)).toBe('container-other');
    expect(detectContainer({}, () => false)).toBeUndefined();
  });

  it('path tests: mount points, hidden files, executables, read-write', () => {
    const d = tempDir('ts-init-facts-');
    fs.writeFileSync(path.join(d, '.hidden'), 'x');
    fs.writeFileSync(path.join(d, 'backup~'), 'x');
    expect(realFs.directoryNotEmpty(d)).toBe(false);
    fs.writeFileSync(path.join(d, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(d, 'empty'), '');
    fs.symlinkSync('tool', path.join(d, 'link'));
    expect(realFs.directoryNotEmpty(d)).toBe(true);
    expect(realFs.fileIsExecutable(path.join(d, 'tool'))).toBe(true);
    expect(realFs.fileIsExecutable(path.join(d, '.hidden'))).toBe(false);
    expect(realFs.fileNotEmpty(path.join(d, 'empty'))).toBe(false);
    expect(realFs.isSymlink(path.join(d, 'link'))).toBe(true);
    expect(realFs.isSymlink(path.join(d, 'tool'))).toBe(false);
    expect(realFs.glob(path.join(d, 't*'))).toBe(true);
    expect(realFs.glob(path.join(d, 'nothing*'))).toBe(false);
    expect(realFs.isReadWrite(d)).toBe(true);
    expect(realFs.isReadWrite(path.join(d, 'missing'))).toBe(false);
    expect(realFs.isMountPoint('/proc')).toBe(true);
    expect(realFs.isMountPoint(d)).toBe(false);
    fs.rmSync(d, { recursive: true });
  });

  it('the environment says the container; SYSTEMD_VIRTUALIZATION as generators get it', () => {
    const f = hostFacts({ container: 'podman' });
    expect(f.container()).toBe('podman');
    expect(virtualizationString(f)).toBe('container:podman');
    expect(f.environment().container).toBe('podman');
    expect(f.uid()).toBe(process.getuid!());
    expect(f.cpus()).toBeGreaterThan(0);
    expect(f.kernelCommandLine().length).toBeGreaterThan(0);
    expect(typeof f.capabilityBoundingSet()).toBe('bigint');
  });
});

describe('first boot', () => {
  it("this boot's answer, when the machine-ID setup gave one, wins over the file (which the setup has filled since)", () => {
    expect(hostFacts({}, { firstBoot: () => true }).firstBoot()).toBe(true);
    expect(hostFacts({}, { firstBoot: () => false }).firstBoot()).toBe(false);
    expect(typeof hostFacts({}, { firstBoot: () => undefined }).firstBoot()).toBe('boolean');
  });
});
