// StackStatus from the loaded stack and the observed containers. The same code
// serves a running controller (with probe readiness and backoff) and
// `flotilla status` without one (then a running replica without a readiness
// probe counts as Ready, one with a probe as unknown → not Ready).
import type { DeploymentStatus, EndpointStatus, ServiceStatus, StackStatus } from '../api/protocol';
import type { ObservedPod } from '../docker/observe';
import { selectorMatches } from '../model/resources';
import type { StackSpec } from '../model/types';
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
  const deployments: DeploymentStatus[] = stack.deployments.map((d) => {
    const replicas = workloadReplicas(d, pods, inputs);
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
  const services: ServiceStatus[] = stack.services.map((s) => {
    const eps =
      serviceEndpoints(
        stack,
        pods,
        (p) =>
          isPodReady(
            p,
            stack.deployments.find((d) => d.name === p.deployment),
            inputs.runtime,
          ),
        true,
      ).get(s.name) ?? [];
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

/** Each Service's endpoints: replicas its selector matches, with target ports resolved per replica. */
export function serviceEndpoints(
  stack: StackSpec,
  pods: ObservedPod[],
  ready: (p: ObservedPod) => boolean,
  includeNotReady = false,
): Map<string, EndpointTarget[]> {
  const out = new Map<string, EndpointTarget[]>();
  for (const s of stack.services) {
    const list: EndpointTarget[] = [];
    if (Object.keys(s.selector).length) {
      for (const p of pods) {
        const d = stack.deployments.find((x) => x.name === p.deployment);
        if (!d || !selectorMatches({ matchLabels: s.selector, matchExpressions: [] }, d.template.labels)) continue;
        const host = p.containers[0]?.ip;
        if (!host) continue;
        const isReady = ready(p);
        if (!isReady && !includeNotReady && !s.publishNotReadyAddresses) continue;
        const ports = s.ports.flatMap((sp) => {
          const t = resolveTargetPort(sp.targetPort, d.template.containers);
          return t === undefined ? [] : [{ port: sp.port, name: sp.name, targetPort: t }];
        });
        list.push({ replica: p.replica, deployment: d.name, host, ports, ready: isReady });
      }
    }
    out.set(
      s.name,
      list.sort((a, b) => a.replica.localeCompare(b.replica)),
    );
  }
  return out;
}
