// Pure text and icon choices for tree rows, kept apart from the VS Code API so the wording
// can be tested without a window. A row's description holds its one most important fact
// (it must fit a 300 px side bar); everything else goes to the tooltip.
import type { BuildProgress, DeploymentStatus, ReplicaStatus, StackStatus } from '../../engine/api/protocol';

export type StackHealth = 'up' | 'degraded' | 'down';

export function stackTotals(s: StackStatus | undefined): { ready: number; desired: number } {
  let ready = 0;
  let desired = 0;
  for (const d of s?.deployments ?? []) {
    ready += Math.min(d.ready, d.desired);
    desired += d.desired;
  }
  return { ready, desired };
}

export function stackHealth(s: StackStatus | undefined): StackHealth {
  if (!s || !s.controller.running) return 'down';
  if (s.controller.dockerConnected === false) return 'degraded';
  const { ready, desired } = stackTotals(s);
  const failing = s.deployments.some((d) => d.rollout?.state === 'Failed' || d.replicas.some((r) => r.backoff));
  return ready >= desired && !failing && s.pending.length === 0 ? 'up' : 'degraded';
}

/** "up · 4/4 ready": the stack row, and (with the name) the status bar. */
export function stackDescription(s: StackStatus | undefined): string {
  const { ready, desired } = stackTotals(s);
  return `${stackHealth(s)} · ${ready}/${desired} ready`;
}

/**
 * "2/2 ready", then the one badge that matters most: a scale still being applied, a
 * rollout, a hand scale that overrides the manifest, an HPA that cannot act, the HPA range.
 */
export function deploymentDescription(d: DeploymentStatus, pendingTarget?: number): string {
  const badge = deploymentBadge(d, pendingTarget);
  return `${d.ready}/${d.desired} ready${badge ? ` · ${badge}` : ''}`;
}

function deploymentBadge(d: DeploymentStatus, pendingTarget: number | undefined): string | undefined {
  if (pendingTarget !== undefined && pendingTarget !== d.desired) return `scaling to ${pendingTarget}`;
  if (d.rollout?.state === 'Failed') return 'rollout failed';
  if (d.rollout && d.rollout.state !== 'Complete') return `rollout ${d.rollout.updated}/${d.desired}`;
  if (d.scaledByHand) return `by hand (manifest ${d.scaledByHand.manifestReplicas})`;
  if (d.hpa?.unableReason) return 'HPA ⚠';
  if (d.hpa) return `HPA ${d.hpa.minReplicas}–${d.hpa.maxReplicas}`;
  return undefined;
}

export function deploymentTooltip(d: DeploymentStatus, pendingTarget?: number): string {
  const lines = [`${d.name}: ${d.ready}/${d.desired} ready`];
  if (pendingTarget !== undefined && pendingTarget !== d.desired) lines.push(`scaling to ${pendingTarget}`);
  if (d.scaledByHand) {
    const m = d.scaledByHand.manifestReplicas;
    lines.push(
      `scaled by hand: ${d.scaledByHand.replicas} (manifest: ${m}); Reset to Manifest returns to ${m}, ` +
        'and Down or a change of the manifest’s replicas drops it',
    );
  }
  for (const f of failingReplicas(d)) lines.push(`${f.replica}: ${f.detail}`);
  if (d.images?.length) lines.push(`images: ${d.images.join(', ')}`);
  if (d.rollout) {
    const r = d.rollout;
    lines.push(
      `rollout: ${r.state} (${r.strategy}), ${r.updated}/${d.desired} updated${r.message ? `: ${r.message}` : ''}`,
    );
  }
  if (d.hpa) {
    const h = d.hpa;
    const m = h.currentMetrics[0];
    const metric = m ? `, ${m.name} ${round(m.current)}/${round(m.target)}${m.unit}` : '';
    lines.push(`HPA ${h.name}: ${h.minReplicas}–${h.maxReplicas} replicas${metric}, wants ${h.desiredReplicas}`);
    if (h.lastReason) lines.push(`HPA last scaled: ${h.lastReason}`);
    if (h.unableReason) lines.push(`⚠ the HPA cannot scale this deployment: ${h.unableReason}`);
  }
  return lines.join('\n');
}

/**
 * What kubectl's STATUS column would say when it says more than the state: the engine's `reason`
 * (Init:1/2, Init:CrashLoopBackOff, CreateContainerConfigError, FailedMount: …, Completed), else the code
 * a Pending replica's reason starts with ("FailedMount: MountVolume.SetUp failed…"), or Unschedulable for the
 * scheduler's "0/2 nodes are available: …". `code` is the short
 * form a 300 px row has room for; `detail` the whole text, for the tooltip.
 */
export function replicaReason(r: ReplicaStatus): { code: string; detail: string } | undefined {
  // The scheduler's "0/2 nodes are available: 2 Insufficient cpu." is Kubernetes' Unschedulable.
  if (!r.reason && r.pendingReason && /^\d+\/\d+ nodes? (are|is) available/.test(r.pendingReason)) {
    return { code: 'Unschedulable', detail: r.pendingReason };
  }
  const text = r.reason ?? (r.pendingReason && /^[A-Z][A-Za-z]+(:|$)/.test(r.pendingReason) ? r.pendingReason : '');
  if (!text) return undefined;
  // "Init:1/2" keeps its colon; "FailedMount: message" is cut at the colon that starts the message.
  const code = /^(\S+?)(?::\s|$)/.exec(text)?.[1] ?? text;
  return { code, detail: text };
}

/** Reasons that mean the replica cannot run as it is (shown in red, and on its workload in the graph). */
export function isFailureReason(code: string): boolean {
  return /(CrashLoopBackOff|Error|ErrImagePull|ImagePullBackOff|InvalidImageName|FailedMount|OOMKilled|ContainerCannotRun)$/.test(
    code,
  );
}

export function replicaDescription(r: ReplicaStatus, now: number): string {
  const reason = replicaReason(r);
  let state: string;
  if (r.backoff) {
    // An init container's crash loop says so (Init:CrashLoopBackOff); the countdown is the same.
    const loop = reason && /CrashLoopBackOff$/.test(reason.code) ? reason.code : r.backoff.reason;
    state = `${loop} ${backoffSeconds(r, now)}s`;
  } else if (r.ready) state = 'Ready';
  else if (reason) state = reason.code;
  else if (r.state === 'Running') state = 'Not ready';
  else state = r.state;
  return r.restarts > 0 ? `${state} · ↻${r.restarts}` : state;
}

export function replicaTooltip(r: ReplicaStatus, now: number): string {
  const lines = [`${r.name}: ${r.state}${r.ready ? ', Ready' : ''}`];
  const reason = replicaReason(r);
  if (reason) lines.push(`reason: ${reason.detail}`);
  lines.push(`node: ${r.node || '—'}`);
  if (r.cpuPercent !== undefined) lines.push(`CPU: ${r.cpuPercent.toFixed(1)}%`);
  if (r.memoryBytes !== undefined) lines.push(`memory: ${formatBytes(r.memoryBytes)}`);
  lines.push(`restarts: ${r.restarts}`);
  if (r.address) lines.push(`address: ${r.address}`);
  if (r.backoff) {
    lines.push(`${r.backoff.reason}: next restart in ${backoffSeconds(r, now)}s`);
    if (r.backoff.lastExitCode !== undefined) lines.push(`last exit code: ${r.backoff.lastExitCode}`);
    if (r.backoff.lastProbeFailure) lines.push(`probe: ${r.backoff.lastProbeFailure}`);
  }
  if (r.pendingReason && r.pendingReason !== reason?.detail) lines.push(`pending: ${r.pendingReason}`);
  return lines.join('\n');
}

/** "3/9 · RUN" (step, then the instruction's keyword), "built", "up to date", "failed". */
export function buildDescription(b: BuildProgress): string {
  switch (b.state) {
    case 'built':
      return 'built';
    case 'cached':
      return 'up to date';
    case 'failed':
      return 'failed';
    default:
      return b.step !== undefined && b.total !== undefined
        ? `${b.step}/${b.total}${b.instruction ? ` · ${b.instruction.split(/\s+/)[0]}` : ''}`
        : 'starting';
  }
}

/** Seconds left before the next restart, counted down from the wall-clock target. */
export function backoffSeconds(r: ReplicaStatus, now: number): number {
  if (!r.backoff) return 0;
  const at = Date.parse(r.backoff.nextRetryAt);
  const left = Number.isFinite(at) ? (at - now) / 1000 : r.backoff.nextRetrySeconds;
  return Math.max(0, Math.ceil(left));
}

/** Codicon id and theme colour id for a replica's state. */
export function replicaIcon(r: ReplicaStatus): { id: string; color?: string } {
  const reason = replicaReason(r);
  if (r.backoff || r.state === 'Waiting' || (reason && isFailureReason(reason.code))) {
    return { id: 'error', color: 'testing.iconFailed' };
  }
  switch (r.state) {
    case 'Running':
      return r.ready
        ? { id: 'pass-filled', color: 'testing.iconPassed' }
        : { id: 'circle-large-outline', color: 'testing.iconQueued' };
    case 'Creating':
      return { id: 'loading~spin' };
    case 'Pending':
      return { id: 'watch', color: 'testing.iconQueued' };
    case 'Terminating':
      return { id: 'trash' };
    case 'Completed':
      return { id: 'pass', color: 'testing.iconPassed' };
    default:
      return { id: 'circle-slash', color: 'testing.iconFailed' };
  }
}

/** The replicas of a workload that cannot run as they are, with their reason ("web-1: Init:Error"). */
export function failingReplicas(d: DeploymentStatus): { replica: string; code: string; detail: string }[] {
  return d.replicas.flatMap((r) => {
    const reason = replicaReason(r);
    return reason && isFailureReason(reason.code) ? [{ replica: r.name, ...reason }] : [];
  });
}

export function deploymentIcon(d: DeploymentStatus): { id: string; color?: string } {
  if (d.rollout?.state === 'Failed' || d.replicas.some((r) => r.backoff) || failingReplicas(d).length) {
    return { id: 'warning', color: 'testing.iconFailed' };
  }
  if (d.rollout?.state === 'Progressing') return { id: 'sync~spin' };
  return d.ready >= d.desired
    ? { id: 'layers-active', color: 'testing.iconPassed' }
    : { id: 'layers', color: 'testing.iconQueued' };
}

export function buildIcon(b: BuildProgress): { id: string; color?: string } {
  if (b.state === 'failed') return { id: 'error', color: 'testing.iconFailed' };
  if (b.state === 'building') return { id: 'loading~spin' };
  return { id: 'package', color: 'testing.iconPassed' };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
