// The Topology view's rows for one moment: the stack's row, then deployments → replicas,
// from a status snapshot; while the stack starts, the stack's row → one row per image being
// built. Pure data, so the wording and the structure are tested without a window.
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
import { addRow, emptyModel, type RowModel } from './rows';

export type TopologyNode =
  | { kind: 'stack'; id: string }
  | { kind: 'deployment'; id: string; deployment: string }
  | { kind: 'replica'; id: string; deployment: string; replica: string }
  | { kind: 'job'; id: string; job: string }
  | { kind: 'build'; id: string; image: string };

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
  const stackId = `stack/${s.stack}`;
  const health = stackHealth(s);
  addRow(model, {
    id: stackId,
    node: { kind: 'stack', id: stackId },
    children: [],
    label: s.stack,
    description: stackDescription(s),
    tooltip: s.controller.lastError ? `${s.dir}\n${s.controller.lastError}` : s.dir,
    icon: { id: health === 'up' ? 'vm-running' : health === 'degraded' ? 'vm-outline' : 'vm' },
    contextValue: s.controller.running ? 'flotilla.stack.up' : 'flotilla.stack.down',
    accessibility: `stack ${s.stack} ${stackDescription(s)}`,
  });
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

function replicaRow(model: RowModel<TopologyNode>, parent: string, owner: string, r: ReplicaStatus, now: number): void {
  const id = `replica/${r.name}`;
  const description = replicaDescription(r, now);
  addRow(model, {
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
