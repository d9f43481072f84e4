// Which of the image's programs the exec chain may use: util-linux's prlimit and setpriv,
// never busybox's setpriv applet of the same name (it knows none of the chain's options).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chainTools } from '../../../src/exec/chain-context';
import { tempDir } from '../../helpers/temp-dir';

const root = tempDir('ts-init-chain-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
  const d = path.join(root, name);
  fs.mkdirSync(d);
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text, { mode: 0o755 });
  return d;
}

describe('chainTools', () => {
  it("takes util-linux's programs from the first directory that has them", () => {
    const usr = dir('usr-bin', { setpriv: '\x7fELF ... setpriv from util-linux 2.38.1', prlimit: '\x7fELF prlimit from util-linux 2.38.1' });
    const bin = dir('bin', { setpriv: '\x7fELF setpriv from util-linux 2.39' });
    expect(chainTools([usr, bin])).toMatchObject({ setpriv: `${usr}/setpriv`, prlimit: `${usr}/prlimit` });
    expect(chainTools([bin, usr])).toMatchObject({ setpriv: `${bin}/setpriv`, prlimit: `${usr}/prlimit` });
  });

  it('refuses a setpriv that is not util-linux (busybox, linked or copied) and one that cannot be run', () => {
    const busybox = dir('busybox', { busybox: '\x7fELF BusyBox v1.35.0 multi-call binary' });
    fs.symlinkSync(path.join(busybox, 'busybox'), path.join(busybox, 'setpriv'));
    fs.linkSync(path.join(busybox, 'busybox'), path.join(busybox, 'prlimit'));
    expect(chainTools([busybox])).toMatchObject({ setpriv: undefined, prlimit: undefined });
    const plain = dir('plain', { setpriv: 'util-linux' });
    fs.chmodSync(path.join(plain, 'setpriv'), 0o644);
    expect(chainTools([plain]).setpriv).toBeUndefined();
  });
});
