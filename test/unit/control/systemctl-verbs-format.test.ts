// The systemctl verbs' pure renderings, in systemd 252's words and layout: list-dependencies'
// tree, status's Drop-In: lines and the system's state, list-jobs and list-sockets, show's
// quoting and exec lines, edit's markers, help's Documentation=, and who may ask for what.
import { describe, expect, it } from 'vitest';
import { dependencyGraph, renderDependencyTree, stateGlyph } from '../../../src/control/dependency-tree';
import { dropInLines, renderSystemStatus } from '../../../src/control/format';
import { renderJobs, renderSockets } from '../../../src/control/list-tables';
import type { ActiveState } from '../../../src/control/manager';
import { shellMaybeQuote } from '../../../src/control/shell-words';
import { ofTypes, parseDocumentation } from '../../../src/control/systemctl-verbs';
import { dropInTemplate, EDIT_MARKER_END, EDIT_MARKER_START, namedEditor, trimEditMarkers } from '../../../src/control/unit-edit';
import { mayAsk, VERB_TABLE, VERBS } from '../../../src/control/verbs';
import { publicSocketPath, socketForCaller } from '../../../src/control/client';

const unit = (name: string, activeState: ActiveState, props: Record<string, string> = {}) => ({ name, activeState, properties: props });

describe('list-dependencies', () => {
  const units = [
    unit('web.service', 'active', { Requires: 'sysinit.target', Wants: 'helper.service db.service' }),
    unit('helper.service', 'inactive'),
    unit('db.service', 'failed', { Wants: 'helper.service' }),
    unit('sysinit.target', 'active', { Wants: 'local-fs.target swap.target' }),
    unit('local-fs.target', 'active'),
    unit('swap.target', 'reloading'),
  ];

  it('the root alone, then glyph, branches and name; targets last and expanded, services not (without --all)', () => {
    expect(renderDependencyTree('web.service', dependencyGraph(units, false), { all: false })).toBe(
      'web.service\n× ├─db.service\n○ ├─helper.service\n● └─sysinit.target\n●   ├─local-fs.target\n↻   └─swap.target\n',
    );
  });

  it('--all expands every unit; │ carries a branch that goes on', () => {
    expect(renderDependencyTree('web.service', dependencyGraph(units, false), { all: true })).toBe(
      'web.service\n× ├─db.service\n○ │ └─helper.service\n○ ├─helper.service\n● └─sysinit.target\n●   ├─local-fs.target\n↻   └─swap.target\n',
    );
  });

  it('--reverse: who pulls the unit in', () => {
    expect(renderDependencyTree('helper.service', dependencyGraph(units, true), { all: true })).toBe(
      'helper.service\n× ├─db.service\n● │ └─web.service\n● └─web.service\n',
    );
  });

  it('a cycle is not followed round again', () => {
    const cyclic = [unit('a.target', 'active', { Wants: 'b.target' }), unit('b.target', 'active', { Wants: 'a.target' })];
    expect(renderDependencyTree('a.target', dependencyGraph(cyclic, false), { all: false })).toBe('a.target\n● └─b.target\n');
  });

  it("each active state's glyph", () => {
    expect(['active', 'activating', 'deactivating', 'reloading', 'inactive', 'failed'].map((s) => stateGlyph(s as ActiveState)).join('')).toBe('●●●↻○×');
  });
});

describe('status', () => {
  it("Drop-In: each directory, then its files on one line after └─", () => {
    expect(dropInLines(['/etc/systemd/system/a.service.d/10-x.conf', '/etc/systemd/system/a.service.d/override.conf', '/run/systemd/system/a.service.d/y.conf'])).toEqual([
      '    Drop-In: /etc/systemd/system/a.service.d',
      '             └─10-x.conf, override.conf',
      '             /run/systemd/system/a.service.d',
      '             └─y.conf',
    ]);
    expect(dropInLines([])).toEqual([]);
  });

  it("without units: the machine's state lines, then the units with their main processes", () => {
    process.env.TZ = 'UTC';
    const text = renderSystemStatus(
      { state: 'degraded', hostname: 'box', units: 7, jobs: 1, failed: 2, since: Date.UTC(2026, 11, 7, 10, 0, 0) },
      [{ name: 'a.service', mainPid: 12, command: 'sleep 100' }, { name: 'b.service', mainPid: 13, command: 'cat' }],
      '252 (ts-init 1.0.0)',
      Date.UTC(2026, 11, 7, 11, 2, 3),
    );
    expect(text).toBe(
      [
        '● box',
        '    State: degraded',
        '    Units: 7 loaded (incl. loaded aliases)',
        '     Jobs: 1 queued',
        '   Failed: 2 units',
        '    Since: Mon 2026-12-07 10:00:00 UTC; 1h 2min ago',
        '  systemd: 252 (ts-init 1.0.0)',
        '   CGroup: /',
        '           ├─a.service',
        '           │ └─12 sleep 100',
        '           └─b.service',
        '             └─13 cat',
        '',
      ].join('\n'),
    );
  });
});

describe('list-jobs and list-sockets', () => {
  it('"No jobs running." or the table, the job id right-aligned, and the count', () => {
    expect(renderJobs([], true)).toBe('No jobs running.\n');
    expect(renderJobs([], false)).toBe('');
    expect(renderJobs([{ id: 1, unit: 'web.service', type: 'start', state: 'running' }, { id: 12, unit: 'a.service', type: 'stop', state: 'running' }], true)).toBe(
      'JOB UNIT        TYPE  STATE\n  1 web.service start running\n 12 a.service   stop  running\n\n2 jobs listed.\n',
    );
  });

  it('LISTEN, UNIT, ACTIVATES sorted by address; the hint unless --all', () => {
    const rows = [
      { listen: '[::]:80', unit: 'web.socket', activates: 'web.service' },
      { listen: '/run/echo.sock', unit: 'echo.socket', activates: 'echo.service' },
    ];
    expect(renderSockets(rows, true, false)).toBe(
      'LISTEN         UNIT        ACTIVATES\n/run/echo.sock echo.socket echo.service\n[::]:80        web.socket  web.service\n\n2 sockets listed.\nPass --all to see loaded but inactive sockets, too.\n',
    );
    expect(renderSockets(rows, false, true)).toBe('/run/echo.sock echo.socket echo.service\n[::]:80        web.socket  web.service\n');
  });

  it('-t narrows the list verbs to unit types', () => {
    expect(ofTypes([], 'a.service')).toBe(true);
    expect(ofTypes(['socket', 'timer'], 'a.socket')).toBe(true);
    expect(ofTypes(['socket'], 'a.service')).toBe(false);
  });
});

describe("show's and show-environment's quoting (systemd's shell_maybe_quote)", () => {
  it('plain words as they are; others in "..." or, for show-environment, $\'...\'', () => {
    expect(shellMaybeQuote('PLAIN=1')).toBe('PLAIN=1');
    expect(shellMaybeQuote('GREETING=hello world')).toBe('"GREETING=hello world"');
    expect(shellMaybeQuote('A=$HOME "x"')).toBe('"A=\\$HOME \\"x\\""');
    expect(shellMaybeQuote('x y', true)).toBe("$'x y'");
    expect(shellMaybeQuote("it's\n\ttab", true)).toBe("$'it\\'s\\n\\ttab'");
    expect(shellMaybeQuote('/usr/bin:/bin', true)).toBe('/usr/bin:/bin');
  });
});

describe('edit', () => {
  it("the drop-in's temporary file: markers around its text, the unit's files commented out after", () => {
    const t = dropInTemplate('/etc/systemd/system/a.service.d/override.conf', '', [
      { path: '/lib/systemd/system/a.service', text: '[Service]\nExecStart=/bin/true\n\n' },
    ]);
    expect(t).toBe(
      `### Editing /etc/systemd/system/a.service.d/override.conf\n${EDIT_MARKER_START}\n\n\n\n${EDIT_MARKER_END}\n\n### /lib/systemd/system/a.service\n# [Service]\n# ExecStart=/bin/true\n`,
    );
    expect(trimEditMarkers(t)).toBe('');
    expect(trimEditMarkers(t.replace(`${EDIT_MARKER_START}\n`, `${EDIT_MARKER_START}\n[Service]\nNice=5\n`))).toBe('[Service]\nNice=5\n');
    expect(trimEditMarkers('[Service]\nNice=1\n')).toBe('[Service]\nNice=1\n');
  });

  it('$SYSTEMD_EDITOR, then $EDITOR, then $VISUAL, split at blanks', () => {
    expect(namedEditor({ SYSTEMD_EDITOR: 'vim -n', EDITOR: 'nano' })).toEqual(['vim', '-n']);
    expect(namedEditor({ EDITOR: 'nano', VISUAL: 'emacs' })).toEqual(['nano']);
    expect(namedEditor({ VISUAL: 'emacs' })).toEqual(['emacs']);
    expect(namedEditor({})).toBeUndefined();
  });
});

describe('help', () => {
  it("Documentation= of [Unit], in order; an empty assignment resets the list", () => {
    expect(parseDocumentation('[Unit]\nDocumentation=man:sshd(8) https://x\nDocumentation=man:sshd_config(5)\n[Service]\nDocumentation=man:no(1)\n')).toEqual([
      'man:sshd(8)',
      'https://x',
      'man:sshd_config(5)',
    ]);
    expect(parseDocumentation('[Unit]\nDocumentation=man:a(1)\nDocumentation=\n')).toEqual([]);
  });
});

describe('who may ask', () => {
  it('other users get the read-only verbs only; root everything', () => {
    const readOnly = VERBS.filter((v) => mayAsk(v, 65534));
    expect(readOnly.sort()).toEqual(['get-default', 'list-jobs', 'list-unit-files', 'list-units', 'ping', 'status', 'system-state']);
    for (const v of VERBS) expect(mayAsk(v, 0)).toBe(true);
    // Nothing that changes a unit, a file or the manager is readable.
    for (const v of ['start', 'stop', 'kill', 'enable', 'mask', 'set-environment', 'environment', 'logs', 'shutdown', 'daemon-reload', 'reset-failed'] as const) {
      expect(VERB_TABLE[v].access).toBe('root');
    }
  });

  it("other users talk to the public socket beside root's", () => {
    expect(publicSocketPath('/run/ts-init.sock')).toBe('/run/ts-init.public.sock');
    expect(socketForCaller('/run/ts-init.sock', 0)).toBe('/run/ts-init.sock');
    expect(socketForCaller('/run/ts-init.sock', 1000)).toBe('/run/ts-init.public.sock');
  });
});
