// Pure text and icon choices for tree items, kept apart from the VS Code API so the
// wording can be tested without a window.
import type { DeploymentStatus, ReplicaStatus, StackStatus } from '../../engine/api/protocol';

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

export function deploymentDescription(d: DeploymentStatus): string {
  const parts = [`${d.ready}/${d.desired} ready`];
  if (d.hpa) {
    const m = d.hpa.currentMetrics[0];
    const metric = m ? ` ${m.name} ${round(m.current)}/${round(m.target)}${m.unit}` : '';
    parts.push(`HPA ${d.hpa.minReplicas}–${d.hpa.maxReplicas}${metric}${d.hpa.unableReason ? ' ⚠' : ''}`);
  }
  if (d.rollout && d.rollout.state !== 'Complete') {
    parts.push(`rollout ${d.rollout.state === 'Failed' ? 'failed' : `${d.rollout.updated}/${d.desired}`}`);
  }
  return parts.join(' · ');
}

export function replicaDescription(r: ReplicaStatus, now: number): string {
  if (r.state === 'Pending') return `Pending${r.pendingReason ? `: ${r.pendingReason}` : ''}`;
  const parts: string[] = [r.ready ? 'Ready' : r.state];
  if (r.node) parts.push(r.node);
  if (r.cpuPercent !== undefined) parts.push(`${r.cpuPercent.toFixed(1)}% CPU`);
  if (r.memoryBytes !== undefined) parts.push(formatBytes(r.memoryBytes));
  if (r.restarts > 0) parts.push(`↻${r.restarts}`);
  if (r.backoff) parts.push(`${r.backoff.reason} ${backoffSeconds(r, now)}s`);
  return parts.join(' · ');
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
  if (r.backoff || r.state === 'Waiting') return { id: 'error', color: 'testing.iconFailed' };
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
    default:
      return { id: 'circle-slash', color: 'testing.iconFailed' };
  }
}

export function deploymentIcon(d: DeploymentStatus): { id: string; color?: string } {
  if (d.rollout?.state === 'Failed' || d.replicas.some((r) => r.backoff)) {
    return { id: 'warning', color: 'testing.iconFailed' };
  }
  if (d.rollout?.state === 'Progressing') return { id: 'sync~spin' };
  return d.ready >= d.desired
    ? { id: 'layers-active', color: 'testing.iconPassed' }
    : { id: 'layers', color: 'testing.iconQueued' };
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
