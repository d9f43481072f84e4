// The OCI runtime state document a hook reads on stdin, as PouchContainer's
// prestart hook got it, filled in with what is known inside the container.

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped';
  pid: number;
  bundle: string;
  annotations: Record<string, string>;
}

/** Annotations come from the environment: `container` (podman, docker) and TS_INIT_ANNOTATION_<KEY>. */
export function containerState(status: ContainerState['status'], env: NodeJS.ProcessEnv): ContainerState {
  const annotations: Record<string, string> = {};
  if (env.container) annotations['org.opencontainers.container.manager'] = env.container;
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('TS_INIT_ANNOTATION_') && v !== undefined) {
      annotations[k.slice('TS_INIT_ANNOTATION_'.length).toLowerCase().replace(/_/g, '.')] = v;
    }
  }
  // The os module only when a hook runs: a plain run never loads it.
  const { hostname } = require('node:os') as typeof import('node:os');
  return { ociVersion: '1.0.2', id: hostname(), status, pid: process.pid, bundle: '/', annotations };
}
