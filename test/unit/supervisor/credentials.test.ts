// A unit's credentials: what goes into $CREDENTIALS_DIRECTORY, and the directory as systemd makes it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatherCredentials, setupCredentials, removeCredentials } from '../../../src/supervisor/credentials';
import { type CredentialSettings, NO_CREDENTIALS } from '../../../src/units/service-files';
import { tempDir } from '../../helpers/temp-dir';

const creds = (over: Partial<CredentialSettings>): CredentialSettings => ({ ...NO_CREDENTIALS, ...over });
const text = (r: ReturnType<typeof gatherCredentials>): Record<string, string> | string =>
  'error' in r ? r.error : Object.fromEntries([...r.files].map(([k, v]) => [k, v.toString()]));

describe('gathering credentials', () => {
  it('LoadCredential= wins over SetCredential= for one ID; a name is looked up in the system credentials first', () => {
    const dir = tempDir('ts-init-creds-');
    const system = tempDir('ts-init-syscreds-');
    fs.writeFileSync(path.join(dir, 'key'), 'from-file');
    fs.writeFileSync(path.join(system, 'named'), 'from-system');
    fs.writeFileSync(path.join(system, 'app.one'), '1');
    fs.writeFileSync(path.join(system, 'app.two'), '2');
    fs.writeFileSync(path.join(system, 'other'), 'x');
    const r = gatherCredentials(
      creds({
        load: [{ id: 'k', path: path.join(dir, 'key') }, { id: 'n', path: 'named' }, { id: 'gone', path: 'no-such-credential' }],
        set: [{ id: 'k', value: 'default' }, { id: 'gone', value: 'fallback' }],
        import: ['app.*'],
      }),
      system,
    );
    expect(text(r)).toEqual({ k: 'from-file', n: 'from-system', gone: 'fallback', 'app.one': '1', 'app.two': '2' });
  });

  it('a missing absolute path, a FIFO, an encrypted credential: the start is refused, saying why', () => {
    const dir = tempDir('ts-init-creds-');
    fs.mkdirSync(path.join(dir, 'sub'));
    expect(text(gatherCredentials(creds({ load: [{ id: 'k', path: path.join(dir, 'nope') }] }), undefined))).toBe(`LoadCredential=k: ${dir}/nope: no such file`);
    expect(text(gatherCredentials(creds({ load: [{ id: 'k', path: path.join(dir, 'sub') }] }), undefined))).toMatch(/a directory, not a regular file/);
    expect(text(gatherCredentials(creds({ encrypted: ['SetCredentialEncrypted=db'] }), undefined))).toMatch(
      /^SetCredentialEncrypted=db: encrypted credentials need systemd-creds' TPM2 or host key, which ts-init does not have; refusing to start/,
    );
  });
});

describe('the credentials directory', () => {
  it('per unit under credentials/, 0500 with files 0400, owned by the unit user; removed at the end', () => {
    const root = tempDir('ts-init-run-');
    const r = setupCredentials({ name: 'app.service', credentials: creds({ set: [{ id: 'token', value: 's3cret' }] }) }, root, { uid: 65534, gid: 65534 }, undefined);
    expect(r).toEqual({ dir: path.join(root, 'credentials/app.service') });
    const st = fs.statSync(r.dir!);
    expect([(st.mode & 0o7777).toString(8), st.uid]).toEqual(['500', 65534]);
    const f = fs.statSync(path.join(r.dir!, 'token'));
    expect([(f.mode & 0o7777).toString(8), f.uid]).toEqual(['400', 65534]);
    expect(fs.readFileSync(path.join(r.dir!, 'token'), 'utf8')).toBe('s3cret');
    expect((fs.statSync(path.join(root, 'credentials')).mode & 0o777).toString(8)).toBe('755');
    removeCredentials(root, 'app.service');
    expect(fs.existsSync(r.dir!)).toBe(false);
  });

  it('a unit without credential settings gets none; a symlink planted at credentials/ is refused', () => {
    const root = tempDir('ts-init-run-');
    expect(setupCredentials({ name: 'a.service', credentials: creds({}) }, root, undefined, undefined)).toEqual({});
    const elsewhere = tempDir('ts-init-elsewhere-');
    fs.symlinkSync(elsewhere, path.join(root, 'credentials'));
    const r = setupCredentials({ name: 'a.service', credentials: creds({ set: [{ id: 't', value: 'v' }] }) }, root, undefined, undefined);
    expect(r.error).toBeDefined();
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });
});
