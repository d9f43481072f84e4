import { describe, expect, it } from 'vitest';
import { CredentialError, resolveCredentials } from '../../../src/exec/account-db';
import { parseEnvironmentFile } from '../../../src/exec/environment-file';

const passwd = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
# comment
app:x:1000:1000:App:/home/app:/bin/sh
`;
const group = `root:x:0:
daemon:x:1:
adm:x:4:app,syslog
crontab:x:101:
app:x:1000:
docker:x:999:app
`;

describe('credentials', () => {
  it('nothing asked, nothing changed', () => {
    expect(resolveCredentials(undefined, undefined, [], { passwd, group })).toBeUndefined();
  });

  it('account files given as a function are read only when something is to be resolved', () => {
    let reads = 0;
    const files = () => (reads++, { passwd, group });
    expect(resolveCredentials(undefined, undefined, [], files)).toBeUndefined();
    expect(reads).toBe(0);
    expect(resolveCredentials('app', undefined, [], files)?.uid).toBe(1000);
    expect(reads).toBe(1);
  });

  it('User= gives the primary group and the groups listing the user', () => {
    expect(resolveCredentials('app', undefined, [], { passwd, group })).toEqual({
      uid: 1000, gid: 1000, groups: [1000, 4, 999], home: '/home/app', shell: '/bin/sh', user: 'app',
    });
  });

  it('Group= and SupplementaryGroups= by name or number', () => {
    const c = resolveCredentials('daemon', 'crontab', ['adm', '5000'], { passwd, group })!;
    expect(c).toMatchObject({ uid: 1, gid: 101 });
    expect(c.groups).toEqual([101, 4, 5000]);
    expect(resolveCredentials('1000', undefined, [], { passwd, group })!.user).toBe('app');
  });

  it('unknown user or group is an error naming it', () => {
    expect(() => resolveCredentials('nobody-here', undefined, [], { passwd, group })).toThrow(/user 'nobody-here' does not exist/);
    expect(() => resolveCredentials('app', 'wheel', [], { passwd, group })).toThrow(CredentialError);
    expect(() => resolveCredentials(undefined, undefined, ['nope'], { passwd, group })).toThrow(/supplementary group 'nope'/);
  });
});

describe('EnvironmentFile=', () => {
  it('reads the forms Debian default files use', () => {
    const text = `# /etc/default/cron
EXTRA_OPTS="-l"
; another comment
export LANG=C.UTF-8
SINGLE='a "b" $c'
SPACED = value with spaces
CONT=one\\
two
ESC="say \\"hi\\""
EMPTY=
`;
    const r = parseEnvironmentFile(text);
    expect(r.errors).toEqual([]);
    expect(r.vars).toEqual([
      ['EXTRA_OPTS', '-l'],
      ['LANG', 'C.UTF-8'],
      ['SINGLE', 'a "b" $c'],
      ['SPACED', 'value with spaces'],
      ['CONT', 'onetwo'],
      ['ESC', 'say "hi"'],
      ['EMPTY', ''],
    ]);
  });

  it('reports bad lines with their numbers', () => {
    const r = parseEnvironmentFile('OK=1\nthis is not an assignment\n9BAD=x\n');
    expect(r.vars).toEqual([['OK', '1']]);
    expect(r.errors.map((e) => e.line)).toEqual([2, 3]);
  });
});
