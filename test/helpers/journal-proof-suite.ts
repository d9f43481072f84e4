// The journal proof for one Debian release (test/container/journal-bookworm.test.ts,
// journal-trixie.test.ts): five boots, one at a time, of the images of scripts/journal-image.sh:
//   systemd / plain, ts-init / plain      no rsyslog; fail2ban's sshd jail reads the journal
//   systemd / rsyslog, ts-init / rsyslog  rsyslog enabled; the jail reads /var/log/auth.log
//   ts-init / nosystemd                   no systemd package: /usr/bin/journalctl is ts-init's
// Each runs test/fixtures/journal/workload.sh and is asked the same questions (journal-proof.ts).
// The oracle is systemd's boot of the same image; ts-init's answers must equal it after the
// normalisation journal-proof.ts describes. Cost: about 2 minutes per release once the images
// exist (scripts/journal-image.sh: about 2 minutes per release, once).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceTracker, removeContainers, requireTsInit } from './container';
import { cleanUpCgroups, topCgroups } from './host-cgroups';
import {
  type Answers,
  type JournalSuite,
  type JournalVariant,
  SYSTEMD_JOURNALCTL,
  TS_INIT_JOURNALCTL,
  bootAndAsk,
  buildJournalImage,
  entryLines,
  fieldNames,
  initLines,
  jailStatus,
  parseJsonLines,
  serviceEntries,
  settledSshLines,
  sortedJson,
  syslogLines,
} from './journal-proof';
import type { VmInit } from './vm-image';

/**
 * The entries the workload makes, by a marker in their MESSAGE, the query that has them, and
 * whether their sender is gone at once (its /proc fields are then a race, journal-proof.ts).
 */
const MARKED: [query: string, marker: string, shortLived: boolean][] = [
  ['since', 'journal-proof auth.err', true],
  ['since', 'journal-proof logger', true],
  ['since', 'journal-proof systemd-cat', true],
  ['since', 'journal-proof python', true],
  ['since', 'Invalid user nosuchuser', false],
  ['stdout unit', 'journal-proof stdout line', false],
  ['stdout unit', 'journal-proof stdout err', false],
  ['CRON json', 'CMD (echo journal-proof-cron', true],
];
/** What only systemd-cat makes: the image without systemd has no systemd-cat. */
const SYSTEMD_CAT = /proof-cat|journal-proof systemd-cat/;
/** cron's hourly job (/etc/crontab, at 17 past) may run during one boot and not the other: its line, and its session's PAM lines. */
const HOURLY = /cron\.hourly|pam_(unix|env)\(cron:session\)/;

export function describeJournalProof(suite: JournalSuite): void {
  const resources = new ResourceTracker();
  const runs: Partial<Record<`${VmInit}/${JournalVariant}`, Answers>> = {};
  const errors: string[] = [];
  let cgroupsBefore: string[] = [];

  const get = (key: `${VmInit}/${JournalVariant}`): Answers => {
    const a = runs[key];
    if (!a) throw new Error(`no answers from the ${key} boot: ${errors.join('; ') || 'not run'}`);
    return a;
  };
  /** What a failure message shows of a boot: the workload's lines, the journal's sockets, the end of the container log. */
  const context = (a: Answers) =>
    `\n--- ${a.init}/${a.variant}: workload:\n${a.workload}\n--- sockets:\n${a.sockets}\n--- container log (end):\n${a.logTail}\n`;
  const q = (a: Answers, name: string, reader = SYSTEMD_JOURNALCTL) => a.journal[reader]?.[name] ?? '(not asked)';
  const entries = (a: Answers, name: string, reader = SYSTEMD_JOURNALCTL) => parseJsonLines(q(a, name, reader));
  const markedFields = (a: Answers, reader: string, skip?: RegExp) =>
    Object.fromEntries(
      MARKED.filter(([, m]) => !skip?.test(m)).map(([query, marker, shortLived]) => [
        marker,
        fieldNames(entries(a, query, reader), marker, shortLived)?.join(' ') ?? '(no such entry)',
      ]),
    );
  const serviceLines = (a: Answers, query: string, reader = SYSTEMD_JOURNALCTL, skip?: RegExp) =>
    entryLines(serviceEntries(entries(a, query, reader))).filter((l) => !HOURLY.test(l) && !skip?.test(l));

  beforeAll(async () => {
    requireTsInit();
    cgroupsBefore = topCgroups();
    const images = {
      plain: resources.image(await buildJournalImage(suite, 'plain')),
      rsyslog: resources.image(await buildJournalImage(suite, 'rsyslog')),
      nosystemd: resources.image(await buildJournalImage(suite, 'nosystemd')),
    };
    const boots: [VmInit, JournalVariant, string[]][] = [
      ['systemd', 'plain', [SYSTEMD_JOURNALCTL]],
      ['ts-init', 'plain', [SYSTEMD_JOURNALCTL, TS_INIT_JOURNALCTL]],
      ['systemd', 'rsyslog', [SYSTEMD_JOURNALCTL]],
      ['ts-init', 'rsyslog', [SYSTEMD_JOURNALCTL]],
      ['ts-init', 'nosystemd', ['/usr/bin/journalctl']],
    ];
    // One at a time (a shared 2-core machine); a boot that fails leaves the others' answers. The
    // oracle is booted again (at most twice more) when its own workload did not get ready: an
    // oracle without its answers proves nothing. (The images ship /var/log/auth.log, as a VM has
    // it: fail2ban polling a file rsyslog had yet to make failed under either init.)
    for (const [init, variant, readers] of boots) {
      for (let attempt = 1; attempt <= (init === 'systemd' ? 3 : 1); attempt++) {
        try {
          const answers = await bootAndAsk(images[variant], init, variant, readers, resources);
          runs[`${init}/${variant}`] = answers;
          if (/^ready=yes$/m.test(answers.workload)) break;
        } catch (err) {
          errors.push(`${init}/${variant}: ${(err as Error).message.slice(0, 1000)}`);
        }
      }
    }
  }, 20 * 60_000);

  afterAll(async () => {
    await resources.cleanup();
  });

  describe(`journal proof on Debian ${suite}: systemd (the oracle)`, () => {
    it('runs the workload: fail2ban up, the failed logins counted, every query answered', () => {
      for (const variant of ['plain', 'rsyslog'] as const) {
        const sd = get(`systemd/${variant}`);
        expect(sd.pid1).toBe('systemd');
        expect(sd.workload, context(sd)).toMatch(/^ready=yes$/m);
        expect(sd.f2bFailed, context(sd)).toBeGreaterThanOrEqual(1);
        expect(q(sd, 'ssh all'), context(sd)).toContain('Invalid user nosuchuser from 127.0.0.1');
        expect(serviceLines(sd, 'err').join('\n')).toContain('proof-auth[3]: journal-proof auth.err NONCE');
        expect(q(sd, 'CRON')).toContain('journal-proof-cron');
      }
    });
  });

  for (const variant of ['plain', 'rsyslog'] as const) {
    describe(`journal proof on Debian ${suite}${variant === 'rsyslog' ? ' with rsyslog' : ''}: ts-init answers as systemd does`, () => {
      const sd = () => get(`systemd/${variant}`);
      const ts = () => get(`ts-init/${variant}`);

      it('ts-init is PID 1 and the workload runs (fail2ban up with the sshd jail)', () => {
        // Named `init` where it says it is systemd (docs/systemd-identity.md).
        expect(ts().pid1).toBe('init');
        expect(ts().workload, context(ts())).toMatch(/^ready=yes$/m);
      });

      it('a failed ssh login is in the journal (journalctl -u ssh)', () => {
        expect(q(ts(), 'ssh all'), context(ts())).toContain('Invalid user nosuchuser from 127.0.0.1');
      });

      it("journalctl -u ssh -n 5 -o cat: the same lines (those sure to be ssh.service's)", () => {
        expect(settledSshLines(q(sd(), 'ssh -n 5'))).toHaveLength(2);
        expect(settledSshLines(q(ts(), 'ssh -n 5')), `${q(ts(), 'ssh -n 5')}${context(ts())}`).toEqual(settledSshLines(q(sd(), 'ssh -n 5')));
      });

      it("journalctl -u ssh: the init's own lines about ssh.service say what systemd's say", () => {
        expect(initLines(entries(ts(), 'ssh json'))).toEqual(initLines(entries(sd(), 'ssh json')));
      });

      it("journalctl -p err: the same services' entries", () => {
        expect(serviceLines(ts(), 'err'), context(ts())).toEqual(serviceLines(sd(), 'err'));
      });

      it('journalctl -t CRON -o cat: the same lines', () => {
        expect(q(ts(), 'CRON').split('\n').filter((l) => !HOURLY.test(l)), context(ts())).toEqual(q(sd(), 'CRON').split('\n').filter((l) => !HOURLY.test(l)));
      });

      it("journalctl --since (the workload's start): the same services' entries", () => {
        expect(serviceLines(ts(), 'since'), context(ts())).toEqual(serviceLines(sd(), 'since'));
      });

      it('journalctl -o json: the same field names on every kind of entry (syslog, native, stream, unit stdout)', () => {
        expect(markedFields(ts(), SYSTEMD_JOURNALCTL)).toEqual(markedFields(sd(), SYSTEMD_JOURNALCTL));
      });

      it(`fail2ban's sshd jail (backend = ${variant === 'rsyslog' ? 'polling on /var/log/auth.log' : 'systemd'}) counts the failed logins as under systemd`, () => {
        // Should systemd's fail2ban not come up in its three boots, ts-init's jail must have counted anyway.
        if (!/^ready=yes$/m.test(sd().workload)) {
          expect(ts().f2bFailed, `systemd's fail2ban did not come up${context(sd())}`).toBeGreaterThanOrEqual(1);
          return;
        }
        expect(ts().f2bFailed, context(ts())).toBe(sd().f2bFailed);
        expect(jailStatus(ts().f2bStatus)).toBe(jailStatus(sd().f2bStatus));
      });

      if (variant === 'rsyslog') {
        it("rsyslog writes the same workload lines into /var/log/auth.log (forwarded from the journal's syslog socket)", () => {
          const match = /journal-proof|nosuchuser|authenticating user root/;
          expect(syslogLines(ts().authLog, match), context(ts())).toEqual(syslogLines(sd().authLog, match));
          expect(syslogLines(sd().authLog, match).length).toBeGreaterThan(0);
        });

        it("rsyslog's /var/log/syslog has the same lines of the workload's clients", () => {
          // The clients' lines only: whether a line logged during the boot (the stdout unit's, the
          // @reboot job's) reaches rsyslog depends on when rsyslog started, under systemd too.
          const match = /journal-proof (auth\.err|logger|systemd-cat|python)/;
          expect(syslogLines(ts().syslog, match), context(ts())).toEqual(syslogLines(sd().syslog, match));
        });
      }
    });
  }

  describe(`journal proof on Debian ${suite}: ts-init's journalctl`, () => {
    it("on ts-init's store, answers every query exactly as the image's systemd journalctl does", () => {
      const ts = get('ts-init/plain');
      const theirs = ts.journal[SYSTEMD_JOURNALCTL] ?? {};
      const ours = ts.journal[TS_INIT_JOURNALCTL] ?? {};
      const shown = (text = '') => sortedJson(text);
      for (const name of Object.keys(theirs)) expect.soft(shown(ours[name]), `query ${name}`).toBe(shown(theirs[name]));
    });

    it('on an image without systemd, answers the queries as systemd does on its own boot', () => {
      const sd = get('systemd/plain');
      const ts = get('ts-init/nosystemd');
      const reader = '/usr/bin/journalctl';
      expect(ts.workload, context(ts)).toMatch(/^ready=yes$/m);
      expect.soft(settledSshLines(q(ts, 'ssh -n 5', reader)), `-u ssh -n 5: ${q(ts, 'ssh -n 5', reader)}${context(ts)}`).toEqual(settledSshLines(q(sd, 'ssh -n 5')));
      expect.soft(initLines(entries(ts, 'ssh json', reader)), "-u ssh: the init's own lines").toEqual(initLines(entries(sd, 'ssh json')));
      expect.soft(serviceLines(ts, 'err', reader), '-p err').toEqual(serviceLines(sd, 'err'));
      expect.soft(q(ts, 'CRON', reader).split('\n').filter((l) => !HOURLY.test(l)), '-t CRON').toEqual(q(sd, 'CRON').split('\n').filter((l) => !HOURLY.test(l)));
      // No systemd-cat without the systemd package: its entry is left out of the comparison.
      expect.soft(serviceLines(ts, 'since', reader, SYSTEMD_CAT), '--since').toEqual(serviceLines(sd, 'since', SYSTEMD_JOURNALCTL, SYSTEMD_CAT));
      expect.soft(markedFields(ts, reader, SYSTEMD_CAT), '-o json field names').toEqual(markedFields(sd, SYSTEMD_JOURNALCTL, SYSTEMD_CAT));
      expect.soft(ts.f2bFailed, "fail2ban's count").toBe(sd.f2bFailed);
    });
  });

  describe(`journal proof on Debian ${suite}: host clean-up`, () => {
    it('leaves no cgroup of any container (and no init.scope in the host name=systemd root) behind', async () => {
      await removeContainers(...resources.containers.splice(0));
      const { leftovers, newTop } = cleanUpCgroups(Object.values(runs).map((a) => a.id), cgroupsBefore);
      expect(leftovers).toEqual([]);
      expect(newTop).toEqual([]);
    });
  });
}
