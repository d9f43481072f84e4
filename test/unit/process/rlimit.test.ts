import { describe, expect, it } from 'vitest';
import { closestLimit } from '../../../src/process/rlimit';

describe('closestLimit (systemd setrlimit_closest)', () => {
  it('clamps soft and hard to the hard limit that cannot be raised', () => {
    expect(closestLimit({ soft: 65535, hard: 65535 }, { soft: 1024, hard: 20000 })).toEqual({ soft: 20000, hard: 20000 });
    expect(closestLimit({ soft: Infinity, hard: Infinity }, { soft: 1024, hard: 20000 })).toEqual({ soft: 20000, hard: 20000 });
    expect(closestLimit({ soft: 4096, hard: Infinity }, { soft: 1024, hard: 20000 })).toEqual({ soft: 4096, hard: 20000 });
  });
  it('changes nothing when the clamped limit is the current one', () => {
    expect(closestLimit({ soft: 30000, hard: 30000 }, { soft: 20000, hard: 20000 })).toBeUndefined();
  });
});
