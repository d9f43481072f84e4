import { describe, expect, it } from 'vitest';
import { urandomBytes, urandomHex } from '../../../src/sys/urandom';

describe('urandomHex', () => {
  it('gives n random bytes as hex, never the same bytes twice, across the pool refills', () => {
    const seen = new Set<string>();
    // 16-byte ids: several refills of the 1 KiB pool.
    for (let i = 0; i < 300; i++) {
      const id = urandomHex(16);
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(300);
  });

  it('takes a request larger than the pool at once', () => {
    expect(urandomHex(2000)).toMatch(/^[0-9a-f]{4000}$/);
    expect(urandomBytes(8)).toHaveLength(8);
  });
});
