// V8's compilers on or off at run time. The rich init turns them off once its supervisor is
// loaded (memory.ts, interpretOnly); the build's training run turns them on again before it
// makes the code cache (sea-main.ts). A code cache carries the hash of the flags it was made
// under and V8 rejects it under others, so it must be made under the flags of a fresh start.
// V8's internal binding, not node:v8 (which would load the stream modules); no libc here, so
// the executable's first script can use it.

type V8Binding = { setFlagsFromString(flags: string): void };

/** The compilers' flags as a fresh start has them (V8's defaults), and interpret-only. */
export const COMPILERS_ON = '--opt --maglev --sparkplug';
export const COMPILERS_OFF = '--no-opt --no-maglev --no-sparkplug';

export function v8Binding(): V8Binding | undefined {
  try {
    const mod = process.getBuiltinModule?.('internal/test/binding') as { internalBinding(name: string): V8Binding } | undefined;
    return mod?.internalBinding('v8');
  } catch {
    return undefined;
  }
}

/** Turns V8's optimising and baseline compilers on (their defaults) or off. */
export function setCompilers(on: boolean): void {
  v8Binding()?.setFlagsFromString(on ? COMPILERS_ON : COMPILERS_OFF);
}
