// A swarm deployment's replicas by the node they run on: what the Swarm view shows. Pure, so it is tested
// without a window.
import type { ReplicaStatus, StackStatus } from '../../engine/api/protocol';

/** Replicas grouped by the node they run on (nodes sorted, replicas by name). */
export function replicasByNode(s: StackStatus): Map<string, { deployment: string; replica: ReplicaStatus }[]> {
  const out = new Map<string, { deployment: string; replica: ReplicaStatus }[]>();
  for (const d of s.deployments) {
    for (const r of d.replicas) {
      const key = r.node || '(not scheduled)';
      out.set(key, [...(out.get(key) ?? []), { deployment: d.name, replica: r }]);
    }
  }
  for (const list of out.values()) {
    list.sort((a, b) => a.replica.name.localeCompare(b.replica.name, undefined, { numeric: true }));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
