import { describe, expect, it } from 'vitest';
import { invocationId } from '../../../../src/supervisor/runner/invocation';

describe('invocation ids', () => {
  it('are 128 bits in hex, never the same twice, across refills of the random pool', () => {
    const ids = Array.from({ length: 300 }, () => invocationId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
