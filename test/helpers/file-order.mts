// The order test files start in (vitest.config.mts: sequence.sequencer). Two workers take files
// from the front of one list, so the run ends when the busier worker does: the longest files go
// first, and the short ones fill in at the end. vitest's own order needs its results cache
// (node_modules/.vite), which a fresh checkout lacks; it then orders by file size, and a
// seven-line file that builds images for minutes starts last. So the expected cost of each
// slow file is written down here, and the cache's figure is used where there is one.
//
// On a fresh checkout the images under .cache/ are built by the first file that needs them, in
// its beforeAll, serialised by the build scripts' locks: a second file needing the same image
// would hold its worker idle until that build is over. Such a file is placed after every file
// that builds nothing, while the one chosen to build (the costliest that needs it) goes first.

import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const ROOTFS = path.join(REPO, '.cache', 'rootfs');

/**
 * Seconds per file with its hooks, measured on a run with every image cached (2 workers,
 * 2 cores): the files of 5 s or more; any other counts 1 s.
 */
export const FILE_SECONDS: Readonly<Record<string, number>> = {
  'test/container/timers.test.ts': 115,
  'test/container/journal-bookworm.test.ts': 84,
  'test/container/ansible.test.ts': 78,
  'test/container/journal-trixie.test.ts': 73,
  'test/container/services.test.ts': 56,
  'test/peer/tini-suite.test.ts': 55,
  'test/container/vm-image.test.ts': 53,
  'test/container/systemctl-compat.test.ts': 36,
  'test/container/boot.test.ts': 33,
  'test/peer/dumb-init-suite.test.ts': 33,
  'test/engines/deb-lintian.test.ts': 33,
  'test/integration/fuzz.test.ts': 32,
  'test/container/identity.test.ts': 25,
  'test/chaos/chaos.test.ts': 24,
  'test/integration/units.test.ts': 22,
  'test/integration/journal-attack.test.ts': 22,
  'test/container/rich.test.ts': 21,
  'test/integration/security-output.test.ts': 18,
  'test/engines/podman-hook.test.ts': 18,
  'test/container/core.test.ts': 18,
  'test/integration/journalctl-front.test.ts': 17,
  'test/container/personality.test.ts': 16,
  'test/integration/propagation.test.ts': 15,
  'test/integration/wedge.test.ts': 14,
  'test/integration/security-fs.test.ts': 13,
  'test/integration/robust-sigpipe.test.ts': 13,
  'test/integration/robust-unit-files.test.ts': 13,
  'test/integration/core-reaping.test.ts': 13,
  'test/integration/dbus-systemd.test.ts': 12,
  'test/integration/early-signal.test.ts': 11,
  'test/integration/deb13-units.test.ts': 10,
  'test/engines/docker.test.ts': 9,
  'test/integration/reaping-race.test.ts': 9,
  'test/slow-unit/journal/reader-racing-writer.test.ts': 6,
};

interface Build {
  /** The file whose presence says the build is cached (.cache/rootfs/). */
  ready: string;
  /** About how long a first build takes, in seconds. */
  seconds: number;
  /** The files that wait for it. */
  files: readonly string[];
}

/** The cached builds under .cache/rootfs/ that test files wait for (scripts/*-image.sh, *-env.sh). */
export const BUILDS: Readonly<Record<string, Build>> = {
  'vm-bookworm': {
    ready: 'vm-bookworm.ready',
    seconds: 150,
    files: ['test/container/timers.test.ts', 'test/container/vm-image.test.ts', 'test/container/identity.test.ts', 'test/container/ansible.test.ts'],
  },
  'vm-trixie': { ready: 'vm-trixie.ready', seconds: 420, files: ['test/container/timers.test.ts', 'test/container/vm-image.test.ts'] },
  'trixie-journal': {
    ready: 'trixie-journal.ready',
    seconds: 60,
    files: ['test/container/journal-trixie.test.ts', 'test/integration/journal-file-257.test.ts', 'test/container/timers.test.ts', 'test/container/vm-image.test.ts'],
  },
  'journal-bookworm': { ready: 'journal-bookworm.ready', seconds: 150, files: ['test/container/journal-bookworm.test.ts'] },
  'journal-trixie': { ready: 'journal-trixie.ready', seconds: 150, files: ['test/container/journal-trixie.test.ts'] },
  'debian-systemd': { ready: 'debian-systemd.ready', seconds: 60, files: ['test/container/systemctl-compat.test.ts'] },
  'debian-boot': { ready: 'debian-boot.ready', seconds: 180, files: ['test/container/boot.test.ts'] },
};

export interface OrderInput {
  file: string;
  /** Expected seconds with every image cached. */
  seconds: number;
}

/**
 * The start order: builders (costliest first, each counting the builds it does), then the files
 * that need no missing build, then those that wait for a build another file does, each group
 * longest first. `missing` names the builds not cached; with none, this is longest first.
 */
export function startOrder(files: readonly OrderInput[], missing: ReadonlySet<string>, builds: Readonly<Record<string, Build>> = BUILDS): string[] {
  const present = new Map(files.map((f) => [f.file, f.seconds]));
  const extra = new Map<string, number>();
  const waiting = new Set<string>();
  for (const [name, build] of Object.entries(builds)) {
    if (!missing.has(name)) continue;
    const users = build.files.filter((f) => present.has(f));
    if (users.length === 0) continue;
    const builder = users.reduce((a, b) => (present.get(b)! + (extra.get(b) ?? 0) > present.get(a)! + (extra.get(a) ?? 0) ? b : a));
    extra.set(builder, (extra.get(builder) ?? 0) + build.seconds);
    for (const f of users) if (f !== builder) waiting.add(f);
  }
  for (const f of extra.keys()) waiting.delete(f);
  const group = (f: string) => (extra.has(f) ? 0 : waiting.has(f) ? 2 : 1);
  const cost = (f: string) => present.get(f)! + (extra.get(f) ?? 0);
  return files
    .map((f) => f.file)
    .sort((a, b) => group(a) - group(b) || cost(b) - cost(a) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The builds whose ready file is absent. */
export function missingBuilds(rootfs: string = ROOTFS): Set<string> {
  return new Set(Object.entries(BUILDS).filter(([, b]) => !fs.existsSync(path.join(rootfs, b.ready))).map(([name]) => name));
}
