// The Manager methods a test's fake manager does not care about, answered as an idle
// system would: spread into the fake (`...managerExtras()`).
import type { Manager } from '../../src/control/manager';

type Extras = Pick<
  Manager,
  'resetFailed' | 'changeUnitFiles' | 'getDefault' | 'setDefault' | 'environment' | 'setEnvironment' | 'unsetEnvironment' | 'systemStatus' | 'listJobs'
>;

export function managerExtras(): Extras {
  return {
    resetFailed: (names) => names.map(() => ({ result: 'done' })),
    changeUnitFiles: async () => ({ changes: [] }),
    getDefault: () => 'multi-user.target',
    setDefault: () => ({ changes: [] }),
    environment: () => ['PATH=/usr/bin:/bin'],
    setEnvironment: () => ({}),
    unsetEnvironment: () => ({}),
    systemStatus: () => ({ state: 'running', hostname: 'test', units: 1, jobs: 0, failed: 0, since: 0 }),
    listJobs: () => [],
  };
}
