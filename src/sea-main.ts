// The executable's first script: it compiles the bundle of the run's face (an asset of the
// executable: PID 1's, or the clients', src/face.ts) with a V8 code cache that the build made
// by running that bundle once, so every function PID 1 runs until its CMD has started is
// bytecode at once instead of being parsed and compiled on its first call. The runtime's own
// code cache for a single executable holds only what V8 compiles without running anything
// (the top level), which left a plain `ts-init -- CMD` compiling most of its code while it
// started (build.js has the figures).
import * as sea from 'node:sea';
import * as vm from 'node:vm';
import { faceOf, isPid1Face, likelyRich } from './face';
import { setCompilers } from './sys/compiler-flags';
import { onCommandStarted } from './sys/code-cache-training';

/** Set by build.js for its training executable only: where to save each bundle's cache. */
declare const __CODE_CACHE_OUT__: string | undefined;
declare const __CLIENTS_CODE_CACHE_OUT__: string | undefined;

/** The asset's bytes in place: getRawAsset does not copy them. */
function asset(name: string): ArrayBuffer | undefined {
  try {
    return sea.getRawAsset(name);
  } catch {
    return undefined; // built without it (build.js --no-code-cache, or the training run)
  }
}

const face = faceOf(process.argv0, process.argv.slice(2));
const pid1 = isPid1Face(face);
// The bundle, wrapped by the build as a CommonJS module function; esbuild writes ASCII only,
// so latin1 reads it exactly (and needs no text decoder). A Buffer made from the
// ArrayBuffer itself is a view; made from a Uint8Array, it would be a copy (0.5 ms).
const source = Buffer.from(asset(pid1 ? 'bundle.js' : 'clients.js')!).toString('latin1');
// PID 1's bundle has two caches: the plain init's start, and the rich init's (face.ts likelyRich).
const pid1Cache = face.kind === 'init' && likelyRich(process.argv0, process.argv.slice(2), process.env, process.pid === 1) ? 'rich-code-cache' : 'code-cache';
const cache = asset(pid1 ? pid1Cache : 'clients-code-cache');
const cacheOut = pid1 ? __CODE_CACHE_OUT__ : __CLIENTS_CODE_CACHE_OUT__;
// The clients' training runs several faces in turn (build.js): each starts from the cache the
// run before it saved, so the last one saves what all of them compiled.
const cachedData = cache ? new Uint8Array(cache) : typeof cacheOut === 'string' ? earlierTraining(cacheOut) : undefined;
const script = new vm.Script(source, { filename: process.execPath, cachedData });
if (typeof cacheOut === 'string') {
  const save = () => {
    // The rich init turned V8's compilers off (sys/memory.ts interpretOnly): made under those
    // flags, the cache would be rejected at every start (their hash differs).
    setCompilers(true);
    require('node:fs').writeFileSync(cacheOut, script.createCachedData());
  };
  // PID 1's start-up is over once its CMD has started; a client's run once it exits.
  if (pid1) onCommandStarted(save);
  else process.on('exit', save);
}
script.runInThisContext()(module.exports, require, module, __filename, __dirname);

function earlierTraining(file: string): Uint8Array | undefined {
  try {
    return require('node:fs').readFileSync(file);
  } catch {
    return undefined; // the first run
  }
}
