// The build trains V8's code cache for the bundle by running `-- /bin/true` once
// (build.js, src/sea-main.ts): the training executable's loader leaves a function here,
// and the init calls it once its CMD has started, when every function that start-up
// runs has been compiled. What runs later (reaping, the shutdown sequence) is left out:
// in a long run its bytecode would be dropped at the first release anyway, and a
// smaller cache is read sooner. In the shipped executable nothing is left here.
const HOOK = Symbol.for('ts-init.code-cache-training');

type Hooked = { [HOOK]?: () => void };

/** For the training executable's loader: what to run once the CMD has started. */
export function onCommandStarted(save: () => void): void {
  (globalThis as Hooked)[HOOK] = save;
}

/** Start-up is over (the CMD runs, or could not be started): the training run saves the code cache here. */
export function commandStarted(): void {
  (globalThis as Hooked)[HOOK]?.();
}
