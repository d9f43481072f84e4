// When PID 1 gives memory back: after a burst's last call, and not inside a boot's start jobs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const trims = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../src/sys/libc', () => ({ releaseFreeMemory: () => trims.count++ }));

async function fresh(): Promise<typeof import('../../../src/sys/memory.js')> {
  vi.resetModules();
  return import('../../../src/sys/memory.js');
}

describe('release scheduling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    trims.count = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('a burst is released 0.5 s after its last call, once', async () => {
    const m = await fresh();
    m.releaseMemorySoon();
    await vi.advanceTimersByTimeAsync(300);
    m.releaseMemorySoon();
    await vi.advanceTimersByTimeAsync(400);
    expect(trims.count).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(trims.count).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(trims.count).toBe(1);
  });

  it("during a boot's start jobs the release waits for their end, then comes 0.5 s later", async () => {
    const m = await fresh();
    let booted!: () => void;
    m.holdReleasesUntil(new Promise<void>((r) => (booted = r)));
    m.releaseMemorySoon();
    await vi.advanceTimersByTimeAsync(3000);
    expect(trims.count).toBe(0);
    booted();
    await vi.advanceTimersByTimeAsync(400);
    expect(trims.count).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(trims.count).toBe(1);
  });

  it('a boot that never ends still gets a release 10 s after the first call (the bound)', async () => {
    const m = await fresh();
    m.holdReleasesUntil(new Promise<void>(() => undefined));
    m.releaseMemorySoon();
    await vi.advanceTimersByTimeAsync(9900);
    expect(trims.count).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(trims.count).toBe(1);
  });

  it('a failed boot ends the hold as a finished one does', async () => {
    const m = await fresh();
    let failed!: (e: Error) => void;
    m.holdReleasesUntil(new Promise<void>((_, reject) => (failed = reject)));
    m.releaseMemorySoon();
    failed(new Error('a unit failed'));
    await vi.advanceTimersByTimeAsync(600);
    expect(trims.count).toBe(1);
  });

  it('a release made directly (start-up over) stands for one scheduled before it', async () => {
    const m = await fresh();
    m.releaseMemorySoon();
    m.releaseMemory();
    expect(trims.count).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(trims.count).toBe(1);
  });
});
