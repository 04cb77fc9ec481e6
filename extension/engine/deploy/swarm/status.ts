// `flotilla status --target swarm`: the same StackStatus as on one machine, read from the swarm's services
// and tasks. A replica is a task (named <workload>-<slot>, or <workload>-<node> for a global service) on its
// real node; Ready is Swarm's running state, which a task with a healthcheck reaches only once healthy.
// Service URLs are every node's address on the published port; endpoints are the selected Ready tasks.
import type Dockerode from 'dockerode';
import type {
  DeploymentStatus,
  JobStatus,
  ReplicaState,
  ReplicaStatus,
  ServiceStatus,
  StackStatus,
} from '../../api/protocol';
import { resolveTargetPort } from '../../controller/pod-network';
import { selectorMatches } from '../../model/resources';
import type { ServiceSpec, StackSpec } from '../../model/types';
import { stackServices } from './apply';
import { listNodes, listTasks, type ServiceInfo, type TaskInfo } from './engine-api';
import { SWARM_LABELS } from './names';

const STATES: Record<string, ReplicaState> = {
  new: 'Pending',
  pending: 'Pending',
  assigned: 'Creating',
  accepted: 'Creating',
  preparing: 'Creating',
  ready: 'Creating',
  starting: 'Creating',
  running: 'Running',
  complete: 'Exited',
  shutdown: 'Exited',
  failed: 'Exited',
  rejected: 'Exited',
  remove: 'Terminating',
  orphaned: 'Exited',
};

/** What status reads from the manager, once: the stack's services with their tasks, and the nodes. */
interface SwarmView {
  services: ServiceInfo[];
  tasksOf: Map<string, TaskInfo[]>;
  /** Node ID → hostname. */
  hostname: Map<string, string>;
  /** Addresses of the ready nodes (where published ports answer). */
  addrs: string[];
}

export async function swarmStatus(docker: Dockerode, stack: StackSpec): Promise<StackStatus> {
  const view = await readSwarm(docker, stack.name);
  const pending: StackStatus['pending'] = [];
  const deployments = [...workloadGroups(view.services)].map(([workload, infos]) =>
    deploymentStatus(stack, workload, infos, view, pending),
  );
  const jobs = view.services.flatMap((info) => jobStatus(info, view) ?? []);
  deployments.sort((a, b) => a.name.localeCompare(b.name));
  return {
    stack: stack.name,
    dir: stack.dir,
    controller: { running: false },
    deployments,
    jobs,
    services: stack.services.map((s) => serviceStatus(stack, s, view, deployments)),
    pending,
  };
}

async function readSwarm(docker: Dockerode, stack: string): Promise<SwarmView> {
  const [services, nodes] = await Promise.all([stackServices(docker, stack), listNodes(docker)]);
  const tasksOf = new Map<string, TaskInfo[]>();
  await Promise.all(
    [...services.values()].map(async (s) =>
      tasksOf.set(s.info.Spec?.Name ?? '', await listTasks(docker, { service: [s.info.ID] })),
    ),
  );
  return {
    services: [...services.values()].map((s) => s.info),
    tasksOf,
    hostname: new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID])),
    addrs: nodes.filter((n) => n.Status?.State === 'ready').map((n) => n.Status?.Addr ?? ''),
  };
}

/** A workload's services: one, or one per ordinal for a StatefulSet (grouped back under the set's name). */
function workloadGroups(services: ServiceInfo[]): Map<string, ServiceInfo[]> {
  const groups = new Map<string, ServiceInfo[]>();
  for (const info of services) {
    const spec = info.Spec;
    if (spec?.Labels?.[SWARM_LABELS.role] !== 'workload' || spec.Mode?.ReplicatedJob) continue;
    const workload = spec.Labels[SWARM_LABELS.workload] ?? spec.Name ?? '';
    groups.set(workload, [...(groups.get(workload) ?? []), info]);
  }
  return groups;
}

/** One workload's status from its services' tasks; its Pending replicas' reasons go to `pending`. */
function deploymentStatus(
  stack: StackSpec,
  workload: string,
  infos: ServiceInfo[],
  view: SwarmView,
  pending: StackStatus['pending'],
): DeploymentStatus {
  const replicas: ReplicaStatus[] = [];
  let desired = 0;
  for (const info of infos) {
    const spec = info.Spec;
    const tasks = view.tasksOf.get(spec?.Name ?? '') ?? [];
    const ordinal = spec?.Labels?.[SWARM_LABELS.ordinal];
    const mine = replicasOf(workload, tasks, !!spec?.Mode?.Global, view.hostname);
    if (ordinal !== undefined) for (const r of mine) r.name = `${workload}-${ordinal}`;
    replicas.push(...mine);
    desired += spec?.Mode?.Replicated?.Replicas ?? mine.length;
  }
  replicas.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  for (const r of replicas) {
    if (r.state === 'Pending' && r.pendingReason) pending.push({ replica: r.name, reason: r.pendingReason });
  }
  const manifest = stack.deployments.find((d) => d.name === workload);
  const first = infos[0]?.Spec?.TaskTemplate;
  const source = infos[0]?.Spec?.Labels?.[SWARM_LABELS.source] ?? '';
  return {
    name: workload,
    kind: source.split('/')[0] || undefined,
    desired,
    ready: replicas.filter((r) => r.ready).length,
    manifest: manifest ? { file: manifest.source.file, line: manifest.source.line } : undefined,
    images: [first && 'ContainerSpec' in first ? (first.ContainerSpec?.Image ?? '') : ''],
    replicas,
  };
}

/** A Job's status from its replicated-job service's tasks; undefined for any other service. */
function jobStatus(info: ServiceInfo, view: SwarmView): JobStatus | undefined {
  const spec = info.Spec;
  const job = spec?.Mode?.ReplicatedJob;
  if (spec?.Labels?.[SWARM_LABELS.role] !== 'workload' || !job) return undefined;
  const tasks = view.tasksOf.get(spec.Name ?? '') ?? [];
  const state = (t: TaskInfo) => t.Status?.State ?? '';
  const succeeded = tasks.filter((t) => state(t) === 'complete').length;
  const completions = job.TotalCompletions ?? 1;
  return {
    name: spec.Labels[SWARM_LABELS.workload] ?? spec.Name ?? '',
    kind: 'Job',
    active: tasks.filter(
      (t) => t.DesiredState === 'complete' && !['complete', 'failed', 'rejected', 'shutdown'].includes(state(t)),
    ).length,
    succeeded,
    failed: tasks.filter((t) => state(t) === 'failed' || state(t) === 'rejected').length,
    completions,
    parallelism: job.MaxConcurrent,
    condition: succeeded >= completions ? 'Complete' : undefined,
    replicas: tasks.map((t, i) => ({
      name: `${spec.Labels?.[SWARM_LABELS.workload] ?? 'job'}-${i + 1}`,
      container: t.Status?.ContainerStatus?.ContainerID ?? '',
      node: t.NodeID ? (view.hostname.get(t.NodeID) ?? t.NodeID) : '',
      state: STATES[state(t)] ?? 'Pending',
      ready: false,
      restarts: 0,
    })),
  };
}

/** A Service's ports (with the port every node publishes), URLs and endpoints (the selected replicas). */
function serviceStatus(
  stack: StackSpec,
  s: ServiceSpec,
  view: SwarmView,
  deployments: DeploymentStatus[],
): ServiceStatus {
  const published =
    view.services.find((x) => x.Spec?.Labels?.[SWARM_LABELS.source] === `Service/${s.name}`)?.Spec?.EndpointSpec
      ?.Ports ?? [];
  const ports = s.ports.map((p) => {
    const pub = published.find((x) => x.TargetPort === p.port)?.PublishedPort;
    return {
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
      hostPort: pub,
      url: pub && view.addrs[0] ? `http://${view.addrs[0]}:${pub}` : undefined,
    };
  });
  const endpoints: ServiceStatus['endpoints'] = [];
  for (const d of stack.deployments) {
    if (
      !Object.keys(s.selector).length ||
      !selectorMatches({ matchLabels: s.selector, matchExpressions: [] }, d.template.labels)
    ) {
      continue;
    }
    for (const r of deployments.find((x) => x.name === d.name)?.replicas ?? []) {
      if (!r.address) continue;
      for (const p of s.ports) {
        const t = resolveTargetPort(p.targetPort, d.template.containers);
        if (t !== undefined) endpoints.push({ replica: r.name, address: `${r.address}:${t}`, ready: r.ready });
      }
    }
  }
  return {
    name: s.name,
    selector: s.selector,
    manifest: { file: s.source.file, line: s.source.line },
    urls: ports.flatMap((p) => (p.hostPort ? view.addrs.map((a) => `http://${a}:${p.hostPort}`) : [])),
    ports,
    endpoints,
  };
}

/** The tasks Swarm wants running, one per slot (or node), with the restarts of that slot. */
function replicasOf(
  workload: string,
  tasks: TaskInfo[],
  global: boolean,
  hostname: Map<string, string>,
): ReplicaStatus[] {
  const bySlot = new Map<string, TaskInfo[]>();
  for (const t of tasks) {
    const key = global ? (t.NodeID ?? '') : String(t.Slot ?? 0);
    bySlot.set(key, [...(bySlot.get(key) ?? []), t]);
  }
  const out: ReplicaStatus[] = [];
  for (const [key, list] of bySlot) {
    list.sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? ''));
    const current = [...list].reverse().find((t) => t.DesiredState === 'running');
    if (!current) continue;
    const state = STATES[current.Status?.State ?? ''] ?? 'Pending';
    const addr = current.NetworksAttachments?.find((n) => n.Network?.Spec?.Name !== 'ingress')?.Addresses?.[0]?.split(
      '/',
    )[0];
    const node = current.NodeID ? (hostname.get(current.NodeID) ?? current.NodeID) : '';
    const r: ReplicaStatus = {
      name: `${workload}-${global ? (hostname.get(key) ?? key) : key}`,
      container: current.Status?.ContainerStatus?.ContainerID ?? '',
      node,
      state,
      ready: state === 'Running',
      restarts: list.length - 1,
      address: addr,
      startedAt: state === 'Running' ? current.Status?.Timestamp : undefined,
    };
    if (state === 'Pending') r.pendingReason = current.Status?.Err ?? current.Status?.Message;
    out.push(r);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}
