// The Topology view's rows for one moment: the stack's row, then deployments → replicas,
// from a status snapshot; while the stack starts, the stack's row → one row per image being
// built. A swarm deployment (the Swarm view) gets the same rows another way round: the
// stack's row holding the swarm's nodes, each holding its replicas. Pure data, so the
// wording and the structure are tested without a window.
//
// The stack's row heads the list rather than holding the deployments: its totals change
// with every replica that turns Ready, and VS Code forgets a refreshed row's children for a
// moment, so a parent stack row would make a +1 clicked at that moment lose its row.
import type { BuildProgress, DeploymentStatus, JobStatus, ReplicaStatus, StackStatus } from '../../engine/api/protocol';
import {
  buildDescription,
  buildIcon,
  deploymentDescription,
  deploymentIcon,
  deploymentTooltip,
  replicaDescription,
  replicaIcon,
  replicaTooltip,
  stackDescription,
  stackHealth,
} from './format';
import { NOT_SCHEDULED, replicasByNode } from './by-node';
import { addRow, emptyModel, type Row, type RowModel } from './rows';

export type TopologyNode =
  | { kind: 'stack'; id: string }
  | { kind: 'node'; id: string; node: string }
  | { kind: 'deployment'; id: string; deployment: string }
  | { kind: 'replica'; id: string; deployment: string; replica: string }
  | { kind: 'job'; id: string; job: string }
  | { kind: 'build'; id: string; image: string }
  | { kind: 'message'; id: string };

export interface TopologyInput {
  /** The stack's name from its file; a snapshot's own name wins. */
  stackName: string | undefined;
  /** The controller's snapshot; undefined while none runs (or Docker cannot be reached). */
  status: StackStatus | undefined;
  /** Set while the controller this editor started is building and starting the stack. */
  starting?: { builds: readonly BuildProgress[] };
  /** Replica counts still being applied, by deployment (+1/−1 clicks not yet answered). */
  pendingScale: ReadonlyMap<string, number>;
  now: number;
}

export const deploymentId = (name: string): string => `deployment/${name}`;

export function topologyRows(input: TopologyInput): RowModel<TopologyNode> {
  const model = emptyModel<TopologyNode>();
  const s = input.status;
  if (!s) {
    if (input.starting && input.stackName) startingRows(model, input.stackName, input.starting.builds);
    return model;
  }
  stackRow(model, s, false);
  for (const d of s.deployments) {
    deploymentRow(model, d, input.pendingScale.get(d.name));
    for (const r of d.replicas) replicaRow(model, deploymentId(d.name), d.name, r, input.now);
  }
  for (const j of s.jobs ?? []) {
    const id = `job/${j.name}`;
    const description = jobDescription(j);
    addRow(model, {
      id,
      node: { kind: 'job', id, job: j.name },
      children: [],
      branch: true,
      label: j.name,
      description,
      tooltip: [`${j.kind} ${j.name}: ${description}`, j.schedule && `schedule: ${j.schedule}`, j.message]
        .filter(Boolean)
        .join('\n'),
      icon: j.condition === 'Failed' ? { id: 'error', color: 'testing.iconFailed' } : { id: 'watch' },
      contextValue: 'flotilla.job',
      accessibility: `${j.kind.toLowerCase()} ${j.name} ${description}`,
    });
    for (const r of j.replicas) replicaRow(model, id, j.name, r, input.now);
  }
  return model;
}

/** The stack's row (its health and ready totals); returns its id. */
function stackRow(model: RowModel<TopologyNode>, s: StackStatus, branch: boolean): string {
  const id = `stack/${s.stack}`;
  const health = stackHealth(s);
  addRow(model, {
    id,
    node: { kind: 'stack', id },
    children: [],
    branch: branch || undefined,
    label: s.stack,
    description: stackDescription(s),
    tooltip: s.controller.lastError ? `${s.dir}\n${s.controller.lastError}` : s.dir,
    icon: { id: health === 'up' ? 'vm-running' : health === 'degraded' ? 'vm-outline' : 'vm' },
    contextValue: s.controller.running ? 'flotilla.stack.up' : 'flotilla.stack.down',
    accessibility: `stack ${s.stack} ${stackDescription(s)}`,
  });
  return id;
}

/** The swarm's nodes under the stack's row, each saying how many replicas it runs and holding them. */
function nodeRows(model: RowModel<TopologyNode>, stackId: string, s: StackStatus, now: number): void {
  for (const [node, placed] of replicasByNode(s)) {
    const id = `node/${node}`;
    const description = `${placed.length} replica${placed.length === 1 ? '' : 's'}`;
    const label = node === NOT_SCHEDULED ? 'not scheduled' : node;
    addRow(model, {
      id,
      node: { kind: 'node', id, node },
      parent: stackId,
      children: [],
      branch: true,
      label,
      description,
      tooltip: [`${label}: ${description}`, ...placed.map((p) => `${p.replica.name} (${p.replica.state})`)].join('\n'),
      icon: node === NOT_SCHEDULED ? { id: 'watch', color: 'testing.iconQueued' } : { id: 'server' },
      contextValue: 'flotilla.node',
      accessibility: `node ${label} ${description}`,
    });
    for (const p of placed) {
      const row = replicaRow(model, id, p.workload, p.replica, now, p.workload);
      // Another machine's replica: the local controller's commands (kill, logs, shell) do not reach it.
      row.contextValue = 'flotilla.swarmReplica';
    }
  }
}

/**
 * A deployment on a swarm, as the Swarm view shows it: the stack's row holding the swarm's nodes, each
 * holding the replicas it runs (the same grouping, rows and words as Topology's, for the other target).
 */
export function swarmRows(s: StackStatus, now: number): RowModel<TopologyNode> {
  const model = emptyModel<TopologyNode>();
  // No local controller runs a swarm deployment (its status says so): the swarm does, so the stack's
  // health is its replicas'.
  const deployed: StackStatus = { ...s, controller: { ...s.controller, running: true } };
  const stackId = stackRow(model, deployed, true);
  const stack = model.rows.get(stackId);
  if (stack) stack.contextValue = 'flotilla.swarmStack'; // none of the local stack's commands
  nodeRows(model, stackId, deployed, now);
  return model;
}

/** "Job · 1 running", "Job · complete", "CronJob · next 12:05": the one fact that matters. */
function jobDescription(j: JobStatus): string {
  if (j.kind === 'CronJob') {
    if (j.suspend) return 'CronJob · suspended';
    return `CronJob · ${j.nextScheduleTime ? `next ${j.nextScheduleTime.slice(11, 16)} UTC` : `${j.active} running`}`;
  }
  if (j.condition === 'Complete') return 'Job · complete';
  if (j.condition === 'Failed') return 'Job · failed';
  return `Job · ${j.active} running, ${j.succeeded}${j.completions !== undefined ? `/${j.completions}` : ''} done`;
}

function deploymentRow(model: RowModel<TopologyNode>, d: DeploymentStatus, pendingTarget: number | undefined): void {
  const id = deploymentId(d.name);
  // Workloads of other kinds (StatefulSet, DaemonSet, ...) say theirs; a Deployment needs not.
  const kind = d.kind && d.kind !== 'Deployment' ? d.kind : undefined;
  const description = `${kind ? `${kind} · ` : ''}${deploymentDescription(d, pendingTarget)}`;
  addRow(model, {
    id,
    node: { kind: 'deployment', id, deployment: d.name },
    children: [],
    branch: true,
    label: d.name,
    description,
    tooltip: deploymentTooltip(d, pendingTarget),
    icon: deploymentIcon(d),
    // The suffix shows "Reset to Manifest"; every deployment menu matches the prefix.
    contextValue: d.scaledByHand ? 'flotilla.deployment.scaledByHand' : 'flotilla.deployment',
    accessibility: `${(kind ?? 'deployment').toLowerCase()} ${d.name} ${description}`,
  });
}

/** A replica's row; `workload` is said before its state where the parent row is not the workload's. */
function replicaRow(
  model: RowModel<TopologyNode>,
  parent: string,
  owner: string,
  r: ReplicaStatus,
  now: number,
  workload?: string,
): Row<TopologyNode> {
  const id = `replica/${r.name}`;
  const description = `${workload ? `${workload} · ` : ''}${replicaDescription(r, now)}`;
  return addRow(model, {
    id,
    node: { kind: 'replica', id, deployment: owner, replica: r.name },
    parent,
    children: [],
    label: r.name,
    description,
    tooltip: replicaTooltip(r, now),
    icon: replicaIcon(r),
    contextValue: r.container && r.state !== 'Pending' ? 'flotilla.replica.live' : 'flotilla.replica',
    accessibility: `replica ${r.name} ${description}`,
  });
}

function startingRows(model: RowModel<TopologyNode>, stack: string, builds: readonly BuildProgress[]): void {
  const stackId = `stack/${stack}`;
  const building = builds.filter((b) => b.state === 'building').length;
  const failed = builds.some((b) => b.state === 'failed');
  const description = failed
    ? 'build failed'
    : building
      ? `building ${building} of ${builds.length} image${builds.length === 1 ? '' : 's'}`
      : 'starting';
  addRow(model, {
    id: stackId,
    node: { kind: 'stack', id: stackId },
    children: [],
    branch: true,
    label: stack,
    description,
    icon: failed ? { id: 'error', color: 'testing.iconFailed' } : { id: 'sync~spin' },
    contextValue: 'flotilla.stack.starting',
    accessibility: `stack ${stack} ${description}`,
  });
  for (const b of builds) {
    const id = `build/${b.image}`;
    const text = buildDescription(b);
    addRow(model, {
      id,
      node: { kind: 'build', id, image: b.image },
      parent: stackId,
      children: [],
      label: b.image,
      description: text,
      tooltip: b.message ?? b.instruction ?? text,
      icon: buildIcon(b),
      contextValue: 'flotilla.build',
      accessibility: `image ${b.image} ${text}`,
    });
  }
}
