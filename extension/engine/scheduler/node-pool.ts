// The node pool a stack gets when its stack file declares none: one node
// sized to the whole Docker host, so requests are checked against what the
// machine really has.

import type { NodeSpec } from '../model/types';

export const DEFAULT_NODE_NAME = 'local';

/** One schedulable node named `local` with the host's cpus and memory. */
export function defaultNodePool(hostCpus: number, hostMemoryBytes: number): NodeSpec[] {
  if (!Number.isFinite(hostCpus) || hostCpus <= 0) throw new Error(`host cpu count must be > 0, got ${hostCpus}`);
  if (!Number.isFinite(hostMemoryBytes) || hostMemoryBytes <= 0) {
    throw new Error(`host memory must be > 0 bytes, got ${hostMemoryBytes}`);
  }
  return [
    {
      name: DEFAULT_NODE_NAME,
      // Docker's Info reports NCPU as an integer; a fractional value (a cgroup
      // quota) is kept to the millicore.
      cpuMilli: Math.floor(hostCpus * 1000),
      memoryBytes: Math.floor(hostMemoryBytes),
      labels: {},
      unschedulable: false,
    },
  ];
}
