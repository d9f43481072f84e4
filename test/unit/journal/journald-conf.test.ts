// journald.conf's storage and size keys, main file then drop-ins, as journald reads them.
import { describe, expect, it } from 'vitest';
import { defaultJournaldSettings, journaldSettings } from '../../../src/journal/journald-conf';
import { parseUnitText } from '../../../src/units/syntax';

const parse = (...texts: string[]) => journaldSettings(texts.map((t, i) => parseUnitText(t, `f${i}.conf`)));

describe('journaldSettings', () => {
  it('has journald defaults without a file', () => {
    expect(parse().settings).toEqual(defaultJournaldSettings());
    expect(parse('[Journal]\n#SystemMaxUse=\n').settings).toEqual(defaultJournaldSettings());
  });

  it('reads sizes with 1024-based suffixes, counts and time spans', () => {
    const { settings, warnings } = parse(
      '[Journal]\nStorage=persistent\nSystemMaxUse=500M\nSystemKeepFree=1G\nSystemMaxFileSize=64K\nSystemMaxFiles=7\n' +
        'RuntimeMaxUse=1.5M\nRuntimeKeepFree=100\nRuntimeMaxFileSize=2G\nRuntimeMaxFiles=3\nMaxRetentionSec=1week\nMaxFileSec=1day\n',
    );
    expect(warnings).toEqual([]);
    expect(settings).toEqual({
      ...defaultJournaldSettings(),
      storage: 'persistent',
      systemMaxUse: 500 * 1024 * 1024,
      systemKeepFree: 1024 ** 3,
      systemMaxFileSize: 64 * 1024,
      systemMaxFiles: 7,
      runtimeMaxUse: 1.5 * 1024 * 1024,
      runtimeKeepFree: 100,
      runtimeMaxFileSize: 2 * 1024 ** 3,
      runtimeMaxFiles: 3,
      maxRetentionMs: 7 * 86_400_000,
      maxFileMs: 86_400_000,
    });
  });

  it('lets a later drop-in win, and an empty value restore the default', () => {
    const { settings } = parse('[Journal]\nSystemMaxUse=1G\nStorage=volatile\nMaxFileSec=1h\n', '[Journal]\nSystemMaxUse=\nStorage=auto\nMaxFileSec=\n', '[Journal]\nRuntimeMaxUse=8M\n');
    expect(settings).toEqual({ ...defaultJournaldSettings(), runtimeMaxUse: 8 * 1024 * 1024 });
  });

  it('ignores other sections and other keys, and says which values it could not use', () => {
    const { settings, warnings } = parse('[Other]\nSystemMaxUse=1G\n[Journal]\nCompress=no\nStorage=sometimes\nSystemMaxUse=lots\nSystemMaxFiles=-1\nMaxRetentionSec=soon\n');
    expect(settings).toEqual(defaultJournaldSettings());
    expect(warnings).toEqual([
      'f0.conf:5: invalid Storage=sometimes, ignored',
      'f0.conf:6: invalid SystemMaxUse=lots, ignored',
      'f0.conf:7: invalid SystemMaxFiles=-1, ignored',
      'f0.conf:8: invalid MaxRetentionSec=soon, ignored',
    ]);
  });

  it('reads the rate limit and ForwardToSyslog= (yes by default, as Debian ships journald)', () => {
    expect(defaultJournaldSettings()).toMatchObject({ rateLimitIntervalMs: 30_000, rateLimitBurst: 10_000, forwardToSyslog: true });
    const { settings, warnings } = parse('[Journal]\nRateLimitIntervalSec=5s\nRateLimitBurst=100\nForwardToSyslog=no\nRateLimitBurst=many\n');
    expect(settings).toMatchObject({ rateLimitIntervalMs: 5000, rateLimitBurst: 100, forwardToSyslog: false });
    expect(warnings).toEqual(['f0.conf:5: invalid RateLimitBurst=many, ignored']);
    expect(parse('[Journal]\nRateLimitIntervalSec=0\n').settings.rateLimitIntervalMs).toBe(0);
  });
});
