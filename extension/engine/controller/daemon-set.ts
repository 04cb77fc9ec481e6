// One pure reconcile step of a DaemonSet, after Kubernetes' daemon controller:
// one pod on every virtual node its nodeSelector matches (unschedulable nodes
// included, as a DaemonSet tolerates them), none elsewhere, at most one per
// node. RollingUpdate replaces old pods while no more than maxUnavailable nodes
// lack an available pod (the default surge of 0: the old pod goes first, its
// replacement follows on the same node); OnDelete never replaces a pod.
import type { RolloutStatus } from '../api/protocol';
import { scaledValue } from '../health/rollout';
import type { DaemonSetFields, NodeSpec } from '../model/types';
import { HOSTNAME_LABEL } from '../scheduler';

export interface NodePod {
  replica: string;
  node: string;
  hash: string;
  available: boolean;
  terminating: boolean;
  createdAt: number;
}

export interface DaemonSetInput {
  name: string;
  fields: DaemonSetFields;
  nodeSelector: Record<string, string>;
  nodes: NodeSpec[];
  currentHash: string;
  pods: NodePod[];
}

export interface DaemonSetPlan {
  /** Nodes to create a pod on now. */
  create: string[];
  remove: { replica: string; why: string }[];
  status: RolloutStatus;
  /** How many nodes should run a pod. */
  desired: number;
}

/** The nodes a DaemonSet's pods belong on. */
export function daemonNodes(nodes: NodeSpec[], nodeSelector: Record<string, string>): NodeSpec[] {
  return nodes.filter((n) => {
    const labels: Record<string, string> = { ...n.labels, [HOSTNAME_LABEL]: n.name };
    return Object.entries(nodeSelector).every(([k, v]) => labels[k] === v);
  });
}

export function planDaemonSet(input: DaemonSetInput): DaemonSetPlan {
  const wanted = new Set(daemonNodes(input.nodes, input.nodeSelector).map((n) => n.name));
  const plan: DaemonSetPlan = { create: [], remove: [], status: status(input, wanted.size), desired: wanted.size };
  const byNode = new Map<string, NodePod[]>();
  for (const p of input.pods) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);

  const current = new Map<string, NodePod>();
  for (const [node, pods] of byNode) {
    const live = pods.filter((p) => !p.terminating).sort((a, b) => a.createdAt - b.createdAt);
    if (!wanted.has(node)) {
      const why = `node ${node} no longer matches the nodeSelector`;
      for (const p of live) plan.remove.push({ replica: p.replica, why });
      continue;
    }
    // One pod per node: keep the oldest, as the daemon controller does.
    for (const p of live.slice(1)) plan.remove.push({ replica: p.replica, why: `a second pod on node ${node}` });
    if (live[0]) current.set(node, live[0]);
  }
  for (const node of [...wanted].sort()) {
    const terminating = (byNode.get(node) ?? []).some((p) => p.terminating);
    if (!current.has(node) && !terminating) plan.create.push(node);
  }

  if (input.fields.updateStrategy !== 'RollingUpdate') return plan;
  const maxUnavailable = Math.max(1, scaledValue(input.fields.maxUnavailable, wanted.size, true) ?? 1);
  let unavailable = [...wanted].filter((n) => !current.get(n)?.available).length;
  // Old pods that are not available anyway go first: replacing them costs nothing.
  const old = [...current.values()]
    .filter((p) => p.hash !== input.currentHash)
    .sort((a, b) => Number(a.available) - Number(b.available) || a.node.localeCompare(b.node));
  for (const p of old) {
    if (p.available) {
      if (unavailable >= maxUnavailable) break;
      unavailable++;
    }
    plan.remove.push({ replica: p.replica, why: 'replaced by the rolling update' });
  }
  return plan;
}

function status(input: DaemonSetInput, desired: number): RolloutStatus {
  const live = input.pods.filter((p) => !p.terminating);
  const updated = live.filter((p) => p.hash === input.currentHash).length;
  const available = live.filter((p) => p.available).length;
  const complete = updated === desired && available === desired && live.length === desired;
  return {
    state: complete ? 'Complete' : 'Progressing',
    strategy: input.fields.updateStrategy,
    currentHash: input.currentHash,
    updated,
    available,
    message: complete
      ? `daemon set "${input.name}" successfully rolled out`
      : updated < desired
        ? `Waiting for daemon set "${input.name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`
        : `Waiting for daemon set "${input.name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
  };
}
