// The Debian package passes lintian with no error (what is so by design is overridden in the
// package, each with its reason: build.js) and carries the manual pages made from docs/.
// No container: lintian and dpkg-deb read the .deb. About a minute (lintian reads 120 MB).
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/container';
import { ensureDeb } from '../helpers/engines';

let deb = '';

beforeAll(async () => {
  deb = await ensureDeb();
}, 300_000);

describe('the Debian package', () => {
  it('lintian reports no error (its warnings are printed)', async () => {
    const r = await runCommand('lintian', [deb], { timeoutMs: 300_000 });
    const tags = r.stdout.split('\n').filter((l) => /^[EWIP]: /.test(l));
    console.log(`lintian: ${tags.length ? `\n${tags.join('\n')}` : 'nothing to report'}`);
    expect(tags.filter((t) => t.startsWith('E: '))).toEqual([]);
    expect(r.code).toBe(0);
  }, 300_000);

  it('installs ts-init(8) and ts-init-units(5), compressed, and the documentation pages README links to', async () => {
    const r = await runCommand('dpkg-deb', ['-c', deb]);
    expect(r.stdout).toMatch(/ \.\/usr\/share\/man\/man8\/ts-init\.8\.gz$/m);
    expect(r.stdout).toMatch(/ \.\/usr\/share\/man\/man5\/ts-init-units\.5\.gz$/m);
    expect(r.stdout).toMatch(/ \.\/usr\/share\/doc\/ts-init\/docs\/differences-from-systemd\.md$/m);
    expect(r.stdout).toMatch(/ \.\/usr\/share\/doc\/ts-init\/changelog\.gz$/m);
  });
});
