// The replicas of a stack by the node they run on: how the Swarm view shows a swarm deployment (in
// Topology's rows, see topology-model.ts swarmRows). Pure, so it is tested without a window.
import type { ReplicaStatus, StackStatus } from '../../engine/api/protocol';

/** The group of replicas no node runs yet. */
export const NOT_SCHEDULED = '(not scheduled)';

export interface PlacedReplica {
  /** The workload (Deployment, StatefulSet, ..., or Job) the replica belongs to. */
  workload: string;
  replica: ReplicaStatus;
}

/**
 * Replicas grouped by the node they run on (nodes sorted, replicas by name), those not scheduled apart.
 * A Job's pods count while they run; a finished one holds no place on its node.
 */
export function replicasByNode(s: StackStatus): Map<string, PlacedReplica[]> {
  const out = new Map<string, PlacedReplica[]>();
  const add = (workload: string, replica: ReplicaStatus) => {
    const key = replica.node || NOT_SCHEDULED;
    out.set(key, [...(out.get(key) ?? []), { workload, replica }]);
  };
  for (const d of s.deployments) for (const r of d.replicas) add(d.name, r);
  for (const j of s.jobs ?? []) {
    for (const r of j.replicas) if (r.state !== 'Completed' && r.state !== 'Exited') add(j.name, r);
  }
  for (const list of out.values()) {
    list.sort((a, b) => a.replica.name.localeCompare(b.replica.name, undefined, { numeric: true }));
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}
