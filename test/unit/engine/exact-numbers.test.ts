// config.json carries uint64 values a JavaScript number cannot hold (RLIM_INFINITY,
// seccomp argument values): the editor must give back every number it did not mean to
// change exactly as it was written. The fixtures are real configs: runc 1.1.5's
// `runc spec`, and what podman 4.3 gave its precreate hook for
// `podman run --ulimit core=-1 --security-opt seccomp=PROFILE --annotation io.ts-init.rich=true`
// (PROFILE: containers-common's default plus two rules with 2^64-1 and 2^53+1; host paths
// of the private test storage replaced by podman's default ones).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editConfig, parseConfig, refusedConfig, serializeConfig, type OciConfig } from '../../../src/engine/oci-config';
import { editBundle } from '../../../src/engine/runtime-wrapper';
import { tempDir } from '../../helpers/temp-dir';

const FIXTURES = path.resolve(__dirname, '../../fixtures/oci');
const HOST = { binary: '/usr/libexec/ts-init/ts-init', nativeModules: ['/usr/libexec/ts-init/ts-init-koffi-0123456789abcdef.node'] };
const RLIM_INFINITY = '18446744073709551615';

/** The number tokens of a JSON text, in order, as written (strings' contents left out). */
function numberTokens(text: string): string[] {
  return text.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? [];
}

/** A config with every number as its text, for comparing values exactly. */
function exact(text: string): unknown {
  return JSON.parse(text, (_k, v, ctx?: { source?: string }) => (typeof v === 'number' ? `#${ctx?.source}` : v));
}

/** runc's spec, asking for rich mode, with RLIM_INFINITY for its one rlimit and a seccomp rule of 2^53+1. */
function runcSpec(): string {
  const text = fs.readFileSync(path.join(FIXTURES, 'runc-spec.json'), 'utf8');
  const edited = text
    .replace('{', '{\n\t"annotations": {"io.ts-init.rich": "true"},')
    .replace(/"hard": 1024,\s*"soft": 1024/, `"hard": ${RLIM_INFINITY}, "soft": ${RLIM_INFINITY}`)
    .replace('"linux": {', '"linux": {\n\t\t"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["add_key"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 4, "value": 9007199254740993, "op": "SCMP_CMP_EQ"}]}]},');
  expect(edited).not.toBe(text);
  return edited;
}

const CONFIGS: Record<string, () => string> = {
  'runc spec': runcSpec,
  "podman's, --ulimit core=-1 and a seccomp profile": () => fs.readFileSync(path.join(FIXTURES, 'podman-ulimit-seccomp.json'), 'utf8'),
};

describe.each(Object.entries(CONFIGS))('every number of a real config survives: %s', (_name, read) => {
  it('has the values a double cannot hold (the fixture is what it should be)', () => {
    const text = read();
    expect(numberTokens(text)).toContain(RLIM_INFINITY);
    expect(numberTokens(text)).toContain('9007199254740993');
    // What JSON.parse and JSON.stringify made of them:
    expect(JSON.stringify(JSON.parse(text))).toContain('18446744073709552000');
  });

  it('parseConfig then serializeConfig: every number byte for byte, every other value the same', () => {
    const text = read();
    const out = serializeConfig(parseConfig(text));
    expect(numberTokens(out)).toEqual(numberTokens(text));
    expect(exact(out)).toEqual(exact(text));
  });

  it('editConfig changes process.args and the mounts, nothing else', () => {
    const text = read();
    const result = editConfig(parseConfig(text), HOST);
    if (!result.edited) throw new Error(result.why);
    const out = serializeConfig(result.config);
    // Our mounts are added at the end and hold no numbers: the numbers are the same, in order.
    expect(numberTokens(out)).toEqual(numberTokens(text));
    const before = exact(text) as OciConfig;
    const after = exact(out) as OciConfig;
    expect(after.process!.args!.slice(0, 3)).toEqual(['/sbin/ts-init', '--rich', '--']);
    expect(after.mounts!.slice(0, before.mounts!.length)).toEqual(before.mounts);
    expect({ ...after, process: { ...after.process, args: [] }, mounts: [] }).toEqual({ ...before, process: { ...before.process, args: [] }, mounts: [] });
    // Edited again: nothing changes.
    const again = editConfig(parseConfig(out), HOST);
    expect(again.edited && again.changed).toBe(false);
  });

  it('a refused request keeps the numbers too', () => {
    const text = read();
    const out = serializeConfig(refusedConfig(parseConfig(text), HOST, 'annotation io.ts-init.grace: no'));
    expect(numberTokens(out)).toEqual(numberTokens(text));
  });

  it('the runtime wrapper edits BUNDLE/config.json keeping every number', () => {
    const dir = tempDir('ts-init-bundle-');
    const hostBinary = path.join(dir, 'ts-init');
    fs.writeFileSync(hostBinary, '');
    const text = read();
    fs.writeFileSync(path.join(dir, 'config.json'), text);
    editBundle(dir, { TS_INIT_HOST_BINARY: hostBinary, TS_INIT_ENGINE_CONFIG: '' });
    const out = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
    expect(out).not.toBe(text);
    expect(numberTokens(out)).toEqual(numberTokens(text));
  });
});

describe('parseConfig', () => {
  it('keeps every form of number as written', () => {
    const text = '{"a":[0,-0,1.50,1e3,-9223372036854775808,18446744073709551615,2.5E-7],"b":{"c":-1}}';
    expect(serializeConfig(parseConfig(text))).toBe(text);
  });

  it('refuses what is not a JSON object', () => {
    for (const text of ['', '[]', 'null', '18446744073709551615', '{"a":']) expect(() => parseConfig(text)).toThrow(SyntaxError);
  });
});
