// Names and labels of the Swarm objects a stack deploys. Every object carries the stack's label, so a
// re-deploy, `status` and `down` find exactly what the stack made and never touch anything else.
import { createHash } from 'node:crypto';
import { LABELS } from '../../docker/labels';

export const SWARM_LABELS = {
  stack: LABELS.stack,
  /** The manifest object a service runs: "Deployment/api", "Service/web", "StatefulSet/db". */
  source: 'dev.flotilla.source',
  /** workload | proxy | stats: what the service is for. */
  role: 'dev.flotilla.role',
  /** The workload's name (for StatefulSet ordinals, the set's name). */
  workload: LABELS.deployment,
  /** Hash of the desired spec: a re-deploy updates the service only when it differs. */
  specHash: 'dev.flotilla.spec-hash',
  /** A StatefulSet ordinal's index. */
  ordinal: 'dev.flotilla.ordinal',
  /** On a config or secret: the ConfigMap or Secret and the key it holds. */
  object: 'dev.flotilla.object',
  /** On a node: the stack-file node it stands for. */
  node: LABELS.node,
} as const;

/** The stack's overlay network (attachable, so one-off containers can join it for checks). */
export function swarmNetworkName(stack: string): string {
  return `${stack}_flotilla`;
}

/** Swarm names allow letters, digits, '-', '_' and '.', up to 63 characters: longer ones keep a hash of the rest. */
export function swarmName(...parts: string[]): string {
  const name = parts.join('_').replace(/[^A-Za-z0-9_.-]/g, '-');
  if (name.length <= 63) return name;
  return `${name.slice(0, 52)}-${shortHash(name)}`;
}

export function workloadServiceName(stack: string, workload: string): string {
  return swarmName(stack, workload);
}

export function proxyServiceName(stack: string, service: string): string {
  return swarmName(stack, `svc-${service}`);
}

export function shortHash(text: string, length = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The names a Service answers to inside the stack, as a cluster's DNS gives them. */
export function serviceDnsNames(name: string, namespace = 'default'): string[] {
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
}
