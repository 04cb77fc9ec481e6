// StackStatus from the loaded stack and the observed containers. The same code
// serves a running controller (with probe readiness and backoff) and
// `flotilla status` without one (then a running replica without a readiness
// probe counts as Ready, one with a probe as unknown → not Ready).
import type {
  DeploymentStatus,
  EndpointStatus,
  PendingStatus,
  ReplicaStatus,
  RolloutStatus,
  ServiceStatus,
  StackStatus,
} from '../api/protocol';
import { podPhase, type ObservedPod } from '../docker/observe';
import { selectorMatches } from '../model/resources';
import type { DeploymentSpec, StackSpec } from '../model/types';
import { resolveTargetPort } from './pod-spec';
import { isPodReady } from './readiness';
import { podReason } from './pod-lifecycle';
import { restartCount, type RuntimeTable } from './runtime';

export interface EndpointTarget {
  replica: string;
  deployment: string;
  host: string;
  /** Service port → resolved target port on the replica. */
  ports: { port: number; name?: string; targetPort: number }[];
  ready: boolean;
}

export interface StatusInputs {
  runtime?: RuntimeTable;
  now: number;
  desired: (d: DeploymentSpec) => number;
  /** The hand scale in force, if any (see hand-scale.ts). */
  scaledByHand?: (d: DeploymentSpec) => DeploymentStatus['scaledByHand'];
  pending: PendingStatus[];
  rollouts?: Map<string, RolloutStatus>;
  /** Restart counts from the state store, when no runtime is available. */
  restarts?: Record<string, number>;
}

export function buildStatus(stack: StackSpec, pods: ObservedPod[], inputs: StatusInputs): StackStatus {
  const deployments: DeploymentStatus[] = stack.deployments.map((d) => {
    const mine = pods.filter((p) => p.deployment === d.name).sort((a, b) => a.createdAt - b.createdAt);
    const replicas = mine.map((p) => replicaStatus(p, d, inputs));
    const pendingHere = inputs.pending.filter((x) => x.replica.startsWith(`${d.name}-`));
    for (const x of pendingHere) {
      replicas.push({
        name: x.replica,
        container: '',
        node: '',
        state: 'Pending',
        ready: false,
        restarts: 0,
        pendingReason: x.reason,
      });
    }
    return {
      name: d.name,
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
    services,
    pending: inputs.pending,
  };
}

function replicaStatus(p: ObservedPod, d: DeploymentSpec, inputs: StatusInputs): ReplicaStatus {
  const rt = inputs.runtime?.peek(p.replica);
  const phase = podPhase(p);
  const backoff = rt?.backoff.status(inputs.now);
  const state: ReplicaStatus['state'] = rt?.terminating
    ? 'Terminating'
    : phase === 'running'
      ? 'Running'
      : phase === 'exited'
        ? backoff
          ? 'Waiting'
          : 'Exited'
        : 'Creating';
  const out: ReplicaStatus = {
    name: p.replica,
    container: p.containers[0]?.id ?? '',
    node: p.node,
    state,
    ready: isPodReady(p, d, inputs.runtime),
    restarts: rt ? restartCount(rt) : (inputs.restarts?.[p.replica] ?? 0),
    templateHash: p.hash,
    address: p.containers[0]?.ip,
  };
  if (backoff) out.backoff = backoff;
  if (rt?.runningSince) out.startedAt = new Date(rt.runningSince).toISOString();
  const reason = podReason(p, d, undefined, inputs.now);
  if (reason) out.reason = reason;
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
