// Version strings. build.js injects the real values; from source they come from package.json.
declare const __TS_INIT_VERSION__: string | undefined;
declare const __TS_INIT_GIT__: string | undefined;

/** The tini release whose command line and behaviour ts-init reproduces. */
export const TINI_COMPAT_VERSION = '0.19.0';

export const VERSION: string =
  typeof __TS_INIT_VERSION__ === 'string' ? __TS_INIT_VERSION__ : (require('../package.json') as { version: string }).version;

export const GIT_HASH: string = typeof __TS_INIT_GIT__ === 'string' ? __TS_INIT_GIT__ : 'dev';

/**
 * Docker's `docker info` runs `INIT --version` and parses the first line as
 * "tini version X.Y.Z - git.HASH", so that line comes first.
 */
export function versionText(): string {
  return `tini version ${TINI_COMPAT_VERSION} - git.${GIT_HASH}\nts-init version ${VERSION} - git.${GIT_HASH}\n`;
}
