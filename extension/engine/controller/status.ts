// StackStatus from the loaded stack and the observed containers. The same code
// serves a running controller (with probe readiness and backoff) and
// `flotilla status` without one (then a running replica without a readiness
// probe counts as Ready, one with a probe as unknown → not Ready).
import type { DeploymentStatus, EndpointStatus, ServiceStatus, StackStatus } from '../api/protocol';
import type { ObservedPod } from '../docker/observe';
import { selectorMatches } from '../model/resources';
import type { DeploymentSpec, StackSpec } from '../model/types';
import { buildJobStatuses } from './job-status';
import { resolveTargetPort } from './pod-network';
import { isPodReady } from './readiness';
import { workloadReplicas, type StatusInputs } from './replica-status';

export type { StatusInputs } from './replica-status';

export interface EndpointTarget {
  replica: string;
  deployment: string;
  host: string;
  /** Service port → resolved target port on the replica. */
  ports: { port: number; name?: string; targetPort: number }[];
  ready: boolean;
}

export function buildStatus(stack: StackSpec, pods: ObservedPod[], inputs: StatusInputs): StackStatus {
  // One pass over the pods per view, never one per (Service, pod, workload): status stays linear in the stack's size.
  const byWorkload = podsByWorkload(pods);
  const deployments: DeploymentStatus[] = stack.deployments.map((d) => {
    const replicas = workloadReplicas(d, byWorkload.get(d.name) ?? [], inputs);
    return {
      name: d.name,
      kind: d.kind ?? 'Deployment',
      desired: inputs.desired(d),
      ready: replicas.filter((r) => r.ready).length,
      scaledByHand: inputs.scaledByHand?.(d),
      updated: inputs.rollouts?.get(d.name)?.updated,
      available: inputs.rollouts?.get(d.name)?.available,
      manifest: { file: d.source.file, line: d.source.line },
      images: d.template.containers.map((c) => c.image),
      rollout: inputs.rollouts?.get(d.name),
      replicas,
    };
  });
  const workloads = new Map(stack.deployments.map((d) => [d.name, d]));
  const allEndpoints = serviceEndpoints(
    stack,
    pods,
    (p) => isPodReady(p, workloads.get(p.deployment), inputs.runtime),
    true,
  );
  const services: ServiceStatus[] = stack.services.map((s) => {
    const eps = allEndpoints.get(s.name) ?? [];
    const endpoints: EndpointStatus[] = eps.flatMap((e) =>
      e.ports.map((pt) => ({ replica: e.replica, address: `${e.host}:${pt.targetPort}`, ready: e.ready })),
    );
    return {
      name: s.name,
      selector: s.selector,
      manifest: { file: s.source.file, line: s.source.line },
      urls: [],
      ports: s.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort })),
      endpoints,
    };
  });
  return {
    stack: stack.name,
    dir: stack.dir,
    controller: { running: false },
    deployments,
    jobs: buildJobStatuses(stack, pods, inputs),
    services,
    pending: inputs.pending,
  };
}

/** Pods grouped by their workload's name. */
export function podsByWorkload(pods: readonly ObservedPod[]): Map<string, ObservedPod[]> {
  const out = new Map<string, ObservedPod[]>();
  for (const p of pods) {
    const list = out.get(p.deployment);
    if (list) list.push(p);
    else out.set(p.deployment, [p]);
  }
  return out;
}

/** Each Service's endpoints: replicas its selector matches, with target ports resolved per replica. */
export function serviceEndpoints(
  stack: StackSpec,
  pods: ObservedPod[],
  ready: (p: ObservedPod) => boolean,
  includeNotReady = false,
): Map<string, EndpointTarget[]> {
  const out = new Map<string, EndpointTarget[]>();
  const byWorkload = podsByWorkload(pods);
  // A pod's readiness is asked once, however many Services select it.
  const readiness = new Map<ObservedPod, boolean>();
  const isReady = (p: ObservedPod): boolean => {
    let r = readiness.get(p);
    if (r === undefined) readiness.set(p, (r = ready(p)));
    return r;
  };
  // Workloads by each of their labels: a Service only looks at those carrying its selector's first label.
  const byLabel = new Map<string, DeploymentSpec[]>();
  for (const d of stack.deployments) {
    for (const [k, v] of Object.entries(d.template.labels)) {
      const key = `${k}=${v}`;
      const list = byLabel.get(key);
      if (list) list.push(d);
      else byLabel.set(key, [d]);
    }
  }
  for (const s of stack.services) {
    const list: EndpointTarget[] = [];
    const first = Object.entries(s.selector)[0];
    if (first) {
      const selector = { matchLabels: s.selector, matchExpressions: [] };
      for (const d of byLabel.get(`${first[0]}=${first[1]}`) ?? []) {
        if (!selectorMatches(selector, d.template.labels)) continue;
        const ports = s.ports.flatMap((sp) => {
          const t = resolveTargetPort(sp.targetPort, d.template.containers);
          return t === undefined ? [] : [{ port: sp.port, name: sp.name, targetPort: t }];
        });
        for (const p of byWorkload.get(d.name) ?? []) {
          const host = p.containers[0]?.ip;
          if (!host) continue;
          const r = isReady(p);
          if (!r && !includeNotReady && !s.publishNotReadyAddresses) continue;
          list.push({ replica: p.replica, deployment: d.name, host, ports, ready: r });
        }
      }
    }
    out.set(
      s.name,
      list.sort((a, b) => a.replica.localeCompare(b.replica)),
    );
  }
  return out;
}
