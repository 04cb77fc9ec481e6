// Where a Swarm service may run: nodeSelector as placement constraints, and the stack file's virtual nodes
// as labels on the swarm's real nodes.
import type { PodTemplate, StackSpec } from '../../model/types';
import type { SwarmNode, SwarmPlan } from './plan-types';

const ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', '386': 'i386' };

/** nodeSelector as Swarm constraints; well-known node labels map to the node's own attributes. */
export function constraintsOf(
  w: { kind: string; name: string; template: Pick<PodTemplate, 'nodeSelector'> },
  nodes: SwarmPlan['nodeLabels'],
  warnings: string[],
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(w.template.nodeSelector)) {
    if (k === 'kubernetes.io/hostname') {
      // A stack-file node name stands for the swarm node it labels.
      out.push(`node.hostname==${nodes.find((n) => n.stackNode === v)?.hostname ?? v}`);
    } else if (k === 'kubernetes.io/os') out.push(`node.platform.os==${v}`);
    else if (k === 'kubernetes.io/arch') out.push(`node.platform.arch==${ARCH[v] ?? v}`);
    else if (/[\s=!]/.test(k) || /[\s=!]/.test(v)) {
      warnings.push(`${w.kind} ${w.name}: nodeSelector ${k}=${v} cannot be a Swarm constraint; it is not applied`);
    } else out.push(`node.labels.${k}==${v}`);
  }
  return out;
}

/**
 * The stack file's nodes label swarm nodes: a stack node whose name is a swarm node's hostname labels that
 * node; the others label the remaining swarm nodes in hostname order.
 */
export function labelNodes(stack: StackSpec, swarmNodes: SwarmNode[], warnings: string[]): SwarmPlan['nodeLabels'] {
  const out: SwarmPlan['nodeLabels'] = [];
  const free = [...swarmNodes].sort((a, b) => a.hostname.localeCompare(b.hostname));
  const take = (pred: (n: SwarmNode) => boolean) => {
    const i = free.findIndex(pred);
    return i < 0 ? undefined : free.splice(i, 1)[0];
  };
  const unmatched = stack.nodes.filter((sn) => !swarmNodes.some((n) => n.hostname === sn.name));
  for (const sn of stack.nodes) {
    const byName = take((n) => n.hostname === sn.name);
    if (byName) out.push({ nodeId: byName.id, hostname: byName.hostname, stackNode: sn.name, labels: sn.labels });
  }
  for (const sn of unmatched) {
    const n = take(() => true);
    if (!n) {
      warnings.push(`stack node ${sn.name} has no swarm node left to label (the swarm has ${swarmNodes.length})`);
      continue;
    }
    out.push({ nodeId: n.id, hostname: n.hostname, stackNode: sn.name, labels: sn.labels });
  }
  return out;
}
