// Reading a stack's tasks on a swarm: which run where, and whether a deploy has converged (every service has
// its tasks running for its current spec, no update still rolling). A task with a healthcheck reaches the
// `running` state only once healthy, so running here means Ready.
import type Dockerode from 'dockerode';
import { SWARM_LABELS } from './names';
import { stackServices } from './apply';
import { listTasks as listTaskInfos, type ServiceInfo, type TaskInfo } from './engine-api';

export interface ServiceProgress {
  name: string;
  source: string;
  running: number;
  desired: number;
  /** The update's state when one ran: updating, completed, paused, rollback_completed… */
  update?: string;
  message?: string;
  done: boolean;
  failed?: string;
}

export async function listTasks(docker: Dockerode, serviceId: string): Promise<TaskInfo[]> {
  return listTaskInfos(docker, { service: [serviceId] });
}

/** Progress of every service of the stack. */
export async function stackProgress(docker: Dockerode, stack: string, readyNodes: number): Promise<ServiceProgress[]> {
  const services = await stackServices(docker, stack);
  return Promise.all(
    [...services.values()].map(async (s) => serviceProgress(s.info, await listTasks(docker, s.info.ID), readyNodes)),
  );
}

export function serviceProgress(info: ServiceInfo, tasks: TaskInfo[], readyNodes: number): ServiceProgress {
  const spec = info.Spec;
  const image =
    spec?.TaskTemplate && 'ContainerSpec' in spec.TaskTemplate ? spec.TaskTemplate.ContainerSpec?.Image : undefined;
  const name = spec?.Name ?? info.ID;
  const source = spec?.Labels?.[SWARM_LABELS.source] ?? name;
  const job = spec?.Mode?.ReplicatedJob;
  if (job) {
    // A Job has converged once it has its completions (Swarm retries failed tasks up to the restart policy's attempts).
    const total = job.TotalCompletions ?? 1;
    const complete = tasks.filter((t) => t.Status?.State === 'complete').length;
    const failedTasks = tasks.filter((t) => t.Status?.State === 'failed' || t.Status?.State === 'rejected');
    const attempts =
      spec?.TaskTemplate && 'ContainerSpec' in spec.TaskTemplate
        ? spec.TaskTemplate.RestartPolicy?.MaxAttempts
        : undefined;
    const gaveUp = attempts !== undefined && failedTasks.length > attempts * total && complete < total;
    return {
      name,
      source,
      running: complete,
      desired: total,
      done: complete >= total,
      failed: gaveUp
        ? `the Job failed ${failedTasks.length} time(s): ${failedTasks.at(-1)?.Status?.Err ?? ''}`
        : undefined,
      message: failedTasks.at(-1)?.Status?.Err,
    };
  }
  const live = tasks.filter((t) => t.DesiredState === 'running');
  const running = live.filter(
    (t) => t.Status?.State === 'running' && (!image || t.Spec?.ContainerSpec?.Image === image),
  ).length;
  const mode = spec?.Mode;
  const desired = mode?.Replicated
    ? (mode.Replicated.Replicas ?? 1)
    : mode?.Global
      ? Math.max(live.length, running, readyNodes ? 1 : 0)
      : 0;
  const update = info.UpdateStatus?.State;
  const failed =
    update === 'rollback_completed' || update === 'paused' || update === 'rollback_paused'
      ? `update ${update.replace('_', ' ')}: ${info.UpdateStatus?.Message ?? ''}`
      : undefined;
  const rolling = update === 'updating' || update === 'rollback_started';
  return {
    name,
    source,
    running,
    desired,
    update,
    message: live.find((t) => t.Status?.State !== 'running')?.Status?.Err,
    done: !rolling && !failed && running >= desired && live.length === running,
    failed,
  };
}

/**
 * Waits until every service of the stack has converged, printing a progress line whenever it changes.
 * Rejects when an update rolled back or the deadline passes, naming the services still waiting and why.
 */
export async function waitConverged(
  docker: Dockerode,
  stack: string,
  opts: { timeoutMs: number; readyNodes: number; onProgress?: (line: string) => void; signal?: AbortSignal },
): Promise<void> {
  const until = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    const progress = await stackProgress(docker, stack, opts.readyNodes);
    const failed = progress.filter((p) => p.failed);
    if (failed.length) throw new Error(failed.map((p) => `${p.source}: ${p.failed}`).join('; '));
    const line = progress
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((p) => `${p.source} ${p.running}/${p.desired}`)
      .join(', ');
    if (line !== last) opts.onProgress?.(`rollout: ${line}`);
    last = line;
    if (progress.every((p) => p.done)) return;
    if (Date.now() > until || opts.signal?.aborted) {
      const waiting = progress.filter((p) => !p.done);
      throw new Error(
        `not converged after ${Math.round(opts.timeoutMs / 1000)} s: ${waiting
          .map((p) => `${p.source} ${p.running}/${p.desired}${p.message ? ` (${p.message})` : ''}`)
          .join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
