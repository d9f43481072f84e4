import { describe, expect, it, vi } from 'vitest';
import { isOwnSigpipe, noteOwnBrokenPipe } from '../../../src/sys/own-sigpipe';

describe('own SIGPIPE', () => {
  it('drops one SIGPIPE per own EPIPE, and only SIGPIPE', () => {
    expect(isOwnSigpipe(13)).toBe(false);
    noteOwnBrokenPipe(Object.assign(new Error('x'), { code: 'EPIPE' }));
    expect(isOwnSigpipe(15)).toBe(false);
    expect(isOwnSigpipe(13)).toBe(true);
    expect(isOwnSigpipe(13)).toBe(false);
  });

  it('ignores other write errors', () => {
    noteOwnBrokenPipe(Object.assign(new Error('x'), { code: 'ECONNRESET' }));
    expect(isOwnSigpipe(13)).toBe(false);
  });

  it('takes a SIGPIPE long after the EPIPE as someone else\'s', () => {
    vi.useFakeTimers();
    try {
      noteOwnBrokenPipe();
      vi.advanceTimersByTime(5000);
      expect(isOwnSigpipe(13)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
