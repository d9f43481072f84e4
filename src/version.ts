// Version strings. build.js injects the real values; from source they come from package.json.
declare const __TS_INIT_VERSION__: string | undefined;
declare const __TS_INIT_GIT__: string | undefined;

/** The tini release whose command line and behaviour ts-init reproduces. */
export const TINI_COMPAT_VERSION = '0.19.0';

export const VERSION: string =
  typeof __TS_INIT_VERSION__ === 'string' ? __TS_INIT_VERSION__ : (require('../package.json') as { version: string }).version;

export const GIT_HASH: string = typeof __TS_INIT_GIT__ === 'string' ? __TS_INIT_GIT__ : 'dev';

/** ts-init's own version line (without " - ", which Docker splits the output on). */
export function ownVersionLine(): string {
  return `ts-init version ${VERSION}, git.${GIT_HASH}`;
}

/**
 * Docker's `docker info` runs `INIT --version`, splits the whole output on " - " and
 * reads the commit only when what follows the first " - " is exactly "git.HASH": so
 * tini's line "tini version X.Y.Z - git.HASH" comes last and is the only one with " - ".
 */
export function versionText(): string {
  return `${ownVersionLine()}\ntini version ${TINI_COMPAT_VERSION} - git.${GIT_HASH}\n`;
}
