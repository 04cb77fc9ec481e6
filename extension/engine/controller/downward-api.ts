// The downward API, as the kubelet resolves it: pod fields (fieldRef) and container
// resources (resourceFieldRef) for env vars and downwardAPI volume files, and the
// $(VAR) expansion of env values, command, args and subPathExpr. Pure: the facts
// about one replica come in, strings go out.
import { createHash } from 'node:crypto';
import type { FieldRef, ResourceFieldRef } from '../model/pod-types';
import type { ContainerSpec, NodeSpec, PodTemplate } from '../model/types';

/** What the kubelet knows about one pod when it starts its containers. */
export interface PodFacts {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  nodeName: string;
  serviceAccountName: string;
  /** The pod's address on the stack network; undefined until its network is attached. */
  podIP?: string;
  /** The node's address: locally, the Docker host as the stack network sees it (its gateway). */
  hostIP?: string;
  /** The node's allocatable resources: a limit that is not set reads as these, as in Kubernetes. */
  node?: Pick<NodeSpec, 'cpuMilli' | 'memoryBytes'>;
}

export class FieldResolutionError extends Error {}

/** A stable pod UID for a replica (Kubernetes makes a random one per pod; this one survives a controller restart). */
export function podUid(stack: string, replica: string): string {
  const h = createHash('sha256').update(`${stack}/${replica}`).digest('hex');
  // UUID layout, version 4 and variant bits set, so tools that parse it accept it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function podFacts(
  template: PodTemplate,
  replica: string,
  stack: string,
  node: string,
  extra: Pick<PodFacts, 'podIP' | 'hostIP' | 'node'> = {},
): PodFacts {
  return {
    name: replica,
    namespace: template.namespace ?? 'default',
    uid: podUid(stack, replica),
    labels: template.labels,
    annotations: template.annotations,
    nodeName: node,
    serviceAccountName: template.serviceAccountName ?? 'default',
    ...extra,
  };
}

const KEYED = /^metadata\.(labels|annotations)\['([^']+)'\]$/;

/** A fieldRef's value. Throws when the pod's address is not known yet (the caller starts the network first). */
export function fieldValue(facts: PodFacts, ref: FieldRef): string {
  const keyed = KEYED.exec(ref.fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? facts.labels : facts.annotations)[keyed[2]] ?? '';
  switch (ref.fieldPath) {
    case 'metadata.name':
      return facts.name;
    case 'metadata.namespace':
      return facts.namespace;
    case 'metadata.uid':
      return facts.uid;
    case 'metadata.labels':
      return formatMap(facts.labels);
    case 'metadata.annotations':
      return formatMap(facts.annotations);
    case 'spec.nodeName':
      return facts.nodeName;
    case 'spec.serviceAccountName':
      return facts.serviceAccountName;
    case 'status.podIP':
    case 'status.podIPs':
      if (facts.podIP === undefined) {
        throw new FieldResolutionError(`${ref.fieldPath} is not known before the pod's network is attached`);
      }
      return facts.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return facts.hostIP ?? '';
    default:
      throw new FieldResolutionError(`unsupported fieldPath "${ref.fieldPath}"`);
  }
}

/**
 * Labels or annotations as a downwardAPI file holds them: one `key="value"` line per entry,
 * sorted by key, the value quoted as Go's %q does (JSON's escaping matches it for text).
 */
export function formatMap(m: Record<string, string>): string {
  return Object.keys(m)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

/**
 * A resourceFieldRef's value: the quantity divided by the divisor, rounded up, as an integer
 * string. An unset limit reads as the node's allocatable; an unset request as the limit
 * (Kubernetes defaults a request to its limit), else 0.
 */
export function resourceValue(
  facts: Pick<PodFacts, 'node'>,
  containers: ContainerSpec[],
  self: string,
  ref: ResourceFieldRef,
): string {
  const name = ref.containerName ?? self;
  const c = containers.find((x) => x.name === name);
  if (!c) throw new FieldResolutionError(`resourceFieldRef: no container named "${name}" in the pod`);
  const cpu = ref.resource.endsWith('.cpu');
  const limit = cpu ? c.limits.cpuMilli : c.limits.memoryBytes;
  const allocatable = cpu ? facts.node?.cpuMilli : facts.node?.memoryBytes;
  let value: number;
  if (ref.resource.startsWith('limits.')) value = limit || allocatable || 0;
  else value = (cpu ? c.requests.cpuMilli : c.requests.memoryBytes) ?? limit ?? 0;
  return String(Math.ceil(value / (ref.divisor || 1)));
}

/**
 * Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): a defined name is
 * replaced, an undefined one is kept as written, `$$` is an escaped `$`.
 */
export function expandVars(input: string, vars: (name: string) => string | undefined): string {
  if (!input.includes('$')) return input;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name ? vars(name) : undefined;
      out += v ?? `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}
