// Human-readable rendering of engine status and events for the terminal.
import type { EngineEvent, StackStatus } from '../engine/api/protocol';

export function formatEvent(e: EngineEvent): string {
  const t = e.time.slice(11, 19);
  return `${t} ${e.type === 'Warning' ? 'Warning' : 'Normal '} ${e.reason.padEnd(18)} ${e.object}: ${e.message}`;
}

export function formatStatus(s: StackStatus): string {
  const lines: string[] = [];
  const ctl = s.controller.running
    ? `controller running (pid ${s.controller.pid})${s.controller.dockerConnected === false ? ', Docker disconnected' : ''}`
    : 'no controller running';
  lines.push(`stack ${s.stack} — ${ctl}`);
  lines.push('');
  lines.push(pad(['DEPLOYMENT', 'READY', 'ROLLOUT', 'HPA']));
  for (const d of s.deployments) {
    const hpa = d.hpa ? `${d.hpa.minReplicas}..${d.hpa.maxReplicas} → ${d.hpa.desiredReplicas}` : '';
    // Other kinds say what they are: statefulset/db, daemonset/agent, pod/once.
    const name = !d.kind || d.kind === 'Deployment' ? d.name : `${d.kind.toLowerCase()}/${d.name}`;
    lines.push(pad([name, `${d.ready}/${d.desired}`, d.rollout?.state ?? '', hpa]));
  }
  const jobs = s.jobs ?? [];
  if (jobs.length) {
    lines.push('');
    lines.push(pad(['JOB', 'COMPLETIONS', 'ACTIVE', 'FAILED', 'STATUS']));
    for (const j of jobs) {
      if (j.kind === 'CronJob') {
        const next = j.suspend ? 'suspended' : j.nextScheduleTime ? `next ${j.nextScheduleTime.slice(0, 16)}Z` : '';
        lines.push(pad([`cronjob/${j.name}`, j.schedule ?? '', String(j.active), String(j.failed), next]));
      } else {
        const completions = `${j.succeeded}/${j.completions ?? '1+'}`;
        lines.push(pad([j.name, completions, String(j.active), String(j.failed), j.condition ?? 'Running']));
      }
    }
  }
  lines.push('');
  lines.push(pad(['REPLICA', 'STATE', 'READY', 'RESTARTS', 'NODE', 'ADDRESS']));
  for (const d of [...s.deployments, ...jobs]) {
    for (const r of d.replicas) {
      const state = r.backoff
        ? `${r.state} (${r.backoff.reason}, retry in ${r.backoff.nextRetrySeconds}s)`
        : r.pendingReason
          ? `Pending: ${r.pendingReason}`
          : r.reason
            ? `${r.state} (${r.reason})`
            : r.state;
      lines.push(pad([r.name, state, r.ready ? 'yes' : 'no', String(r.restarts), r.node, r.address ?? '']));
    }
  }
  if (s.services.length) {
    lines.push('');
    lines.push(pad(['SERVICE', 'URL', 'ENDPOINTS']));
    for (const svc of s.services) {
      const ready = svc.endpoints.filter((e) => e.ready).length;
      lines.push(pad([svc.name, svc.urls.join(' ') || '-', `${ready} ready of ${svc.endpoints.length}`]));
    }
  }
  return lines.join('\n');
}

const WIDTHS = [34, 12, 10, 10, 10, 16];
function pad(cols: string[]): string {
  return cols
    .map((c, i) => (i === cols.length - 1 ? c : c.padEnd(WIDTHS[i] ?? 12)))
    .join(' ')
    .trimEnd();
}
