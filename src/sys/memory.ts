// Giving memory back once a burst of work is over (start-up, a control request).
// PID 1 lives as long as the container, and its private memory is what each extra
// container costs: V8 keeps the young generation's pages committed after the first
// scavenges, and glibc keeps freed blocks, unless told otherwise.
import { setCompilers, v8Binding } from './compiler-flags';
import { releaseFreeMemory } from './libc';

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'last-resort' };

/**
 * A last-resort V8 collection (every unreachable object, then the heap shrunk: the
 * young generation back to its smallest size, live objects moved together onto fewer
 * pages) that also drops the bytecode of every function not running at that moment,
 * done twice (see below), followed by malloc_trim. A function runs
 * again by being compiled again from the source, which V8 keeps: a few ms the next
 * time a request or a unit start goes through it, against some 0.4 MB of bytecode,
 * constant pools and position tables that start-up leaves behind (10 units). The gc
 * function only exists in a context made while --expose-gc is set; the flags are set
 * just for that and cleared again (left set, they would change V8's flag hash and so
 * reject the runtime's code cache for modules loaded later; V8's own memory reducer is
 * off, build.js says why). Uses V8's internal binding, not node:v8, which
 * would load the stream modules. Costs a few ms of CPU; call it when work is over.
 */
export function releaseMemory(): void {
  // A release scheduled (releaseMemorySoon) is this one: it would only come again 2 s later.
  if (releaseTimer) clearTimeout(releaseTimer);
  releaseTimer = undefined;
  lastRelease = Date.now();
  const v8 = v8Binding();
  if (v8) {
    try {
      v8.setFlagsFromString('--expose-gc --stress-flush-code --compact-on-every-full-gc');
      const gc = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as (o: GcOptions) => void;
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      // What only the dropped bytecode and the closures reset with it kept alive (their
      // feedback, scope descriptions, inner functions) was still marked in that
      // collection: a second one frees it (10 units: 150 KB of old space).
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    } catch {
      // an older runtime without these: malloc_trim alone still helps
    } finally {
      v8.setFlagsFromString('--no-expose-gc --no-stress-flush-code --no-compact-on-every-full-gc');
    }
  }
  releaseFreeMemory();
}

/**
 * No machine code from here on: V8 runs this process's JavaScript in its interpreter
 * only. A supervisor's code is never hot enough to gain from compiled code, and what
 * V8 compiled while ten units started (the spawn path, streams, unit loading) stayed
 * as some 0.4 MB of private memory that no collection gives back. Set once the
 * supervisor is loaded; modules the runtime loads later compile from source (the flag
 * hash no longer matches its code cache), which costs a little once.
 */
export function interpretOnly(): void {
  setCompilers(false);
}

const RELEASE_DELAY_MS = 500;
/** Work that never pauses (a probe polling many times a second, a flood) still gets a release this often. */
const RELEASE_AT_LEAST_EVERY_MS = 10_000;
/** ... and at most this often (a probe every second costs one collection per 2 s, not one per request). */
const RELEASE_INTERVAL_MS = 2_000;
let releaseTimer: NodeJS.Timeout | undefined;
let lastRelease = 0;
let lastCall = 0;
let firstPendingCall = 0;

/**
 * releaseMemory() once the current burst of work is over: 0.5 s after the last call (a call
 * while one is pending moves it on), or 10 s after the first pending call when the work never
 * pauses; never twice within 2 s. So a burst's garbage is given back after the burst, not in its
 * middle (where a release costs a collection and the recompiling of what it flushed, and what the
 * rest of the burst leaves stays), and a health probe polling systemctl many times a second costs
 * one collection (a few ms) per 10 s. The timer never keeps PID 1 alive.
 */
export function releaseMemorySoon(): void {
  lastCall = Date.now();
  if (releaseTimer) return;
  firstPendingCall = lastCall;
  armRelease(RELEASE_DELAY_MS);
}

function armRelease(ms: number): void {
  releaseTimer = setTimeout(() => {
    releaseTimer = undefined;
    const now = Date.now();
    const quiet = now - lastCall;
    const waited = now - firstPendingCall;
    if (heldBy > 0 && waited < RELEASE_AT_LEAST_EVERY_MS) return armRelease(RELEASE_AT_LEAST_EVERY_MS - waited);
    if (quiet < RELEASE_DELAY_MS && waited < RELEASE_AT_LEAST_EVERY_MS) return armRelease(RELEASE_DELAY_MS - quiet);
    if (now - lastRelease < RELEASE_INTERVAL_MS) return armRelease(lastRelease + RELEASE_INTERVAL_MS - now);
    lastRelease = now;
    releaseMemory();
  }, ms);
  releaseTimer.unref();
}

let heldBy = 0;

/**
 * Releases asked for until `work` settles wait for its end (or RELEASE_AT_LEAST_EVERY_MS, the
 * bound): a boot's pauses between units are not the end of its burst, and a release inside it
 * costs a collection and then the compiling again of every function it dropped, which the next
 * units' starts go through (a quarter to a third of PID 1's CPU through a Debian boot went to
 * the two). The release the wait held back comes once the work is over.
 */
export function holdReleasesUntil(work: Promise<unknown>): void {
  heldBy++;
  const end = (): void => {
    if (--heldBy > 0 || !releaseTimer) return;
    clearTimeout(releaseTimer);
    releaseTimer = undefined;
    armRelease(RELEASE_DELAY_MS);
  };
  work.then(end, end);
}
