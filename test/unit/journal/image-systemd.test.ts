// Which systemd the image's journal readers are, from libsystemd's soname.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageSystemdRelease, printsSeqnum, releaseOfLibsystemd } from '../../../src/journal/image-systemd';
import { tempDir } from '../../helpers/temp-dir';

describe('image-systemd', () => {
  it("tells the release by libsystemd's soname minor", () => {
    expect(releaseOfLibsystemd('libsystemd.so.0.35.0')).toBe(252);
    expect(releaseOfLibsystemd('libsystemd.so.0.40.0')).toBe(257);
    expect(releaseOfLibsystemd('libsystemd.so.0')).toBeUndefined();
    expect(printsSeqnum(252)).toBe(false);
    expect(printsSeqnum(257)).toBe(true);
    expect(printsSeqnum(undefined)).toBe(false);
  });

  it("finds the image's libsystemd in a multiarch directory", () => {
    const root = tempDir('image-systemd');
    expect(imageSystemdRelease(root)).toBeUndefined();
    fs.mkdirSync(path.join(root, 'x86_64-linux-gnu'));
    fs.writeFileSync(path.join(root, 'x86_64-linux-gnu', 'libsystemd.so.0.40.0'), '');
    expect(imageSystemdRelease(root)).toBe(257);
  });
});
