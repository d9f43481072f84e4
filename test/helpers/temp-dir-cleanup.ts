// Every test file's setup (vitest.config.mts): its temporary directories go once it is over.
// A hook registered here, not in temp-dir.ts, runs for every file: where files share their
// worker's modules (test/unit), temp-dir.ts is imported, and its top level run, only once.
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir';

afterAll(removeTempDirs);
