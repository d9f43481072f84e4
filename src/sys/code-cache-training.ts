// The build trains V8's code cache for the bundle by running the init path once
// (build.js, src/sea-main.ts): the training executable's loader leaves a function
// here, and the init calls it just before it exits, when every function that path
// runs has been compiled. In the shipped executable nothing is left here.
const HOOK = Symbol.for('ts-init.code-cache-training');

type Hooked = { [HOOK]?: () => void };

/** For the training executable's loader: what to run at the end of the init path. */
export function onInitPathEnd(save: () => void): void {
  (globalThis as Hooked)[HOOK] = save;
}

/** The init path is over: the training run saves the code cache here. */
export function initPathEnded(): void {
  (globalThis as Hooked)[HOOK]?.();
}
