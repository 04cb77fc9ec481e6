// One pure reconcile step of a Job, after Kubernetes' job controller: run pods
// until `completions` succeed (or, without completions, until one succeeds and
// none runs), at most `parallelism` at once. A failed pod counts against
// backoffLimit: with restartPolicy Never each failed pod (a new pod replaces it
// after an exponential back-off), with OnFailure each restart in place. Past the
// limit, or past activeDeadlineSeconds, the Job fails and its running pods stop.
// Finished pods stay (Completed or Error) until ttlSecondsAfterFinished removes
// them with the Job. What was counted is kept in a record, so a controller
// restart or a removed pod never makes a finished Job run again.
import type { JobFields, RestartPolicy } from '../model/types';

export interface JobPod {
  replica: string;
  phase: 'active' | 'succeeded' | 'failed';
  /** Restarts in place (restartPolicy OnFailure). */
  restarts: number;
  terminating: boolean;
  createdAt: number;
}

/** What the Job has counted, kept in the state store. */
export interface JobRecord {
  /** Template hash the run was started with; another hash is another run. */
  hash: string;
  startTime: number;
  succeededPods: string[];
  failedPods: string[];
  /** Restarts in place per pod (OnFailure). */
  restarts: Record<string, number>;
  lastFailureAt?: number;
  condition?: 'Complete' | 'Failed';
  reason?: string;
  message?: string;
  completionTime?: number;
  /** ttlSecondsAfterFinished removed the Job's pods. */
  deletedAt?: number;
}

export interface JobInput {
  name: string;
  fields: JobFields;
  restartPolicy: RestartPolicy;
  currentHash: string;
  /** A CronJob's run keeps the template it started with; a standalone Job runs again when its template changes. */
  rerunOnChange: boolean;
  pods: JobPod[];
  record?: JobRecord;
  now: number;
  backoff: { baseMs: number; maxMs: number };
}

export interface JobPlan {
  create: number;
  remove: { replica: string; why: string }[];
  record: JobRecord;
  requeueAfterMs?: number;
  /** Things worth an event, as the job controller records them. */
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
}

export function jobCounts(record: JobRecord): { succeeded: number; failed: number } {
  const restarts = Object.values(record.restarts).reduce((a, b) => a + b, 0);
  return { succeeded: record.succeededPods.length, failed: record.failedPods.length + restarts };
}

export function planJob(input: JobInput): JobPlan {
  const { fields, now } = input;
  const fresh = (): JobRecord => ({
    hash: input.currentHash,
    startTime: now,
    succeededPods: [],
    failedPods: [],
    restarts: {},
  });
  let record: JobRecord = input.record ? structuredClone(input.record) : fresh();
  const plan: JobPlan = { create: 0, remove: [], record, events: [] };
  const live = input.pods.filter((p) => !p.terminating);

  if (record.hash !== input.currentHash && input.rerunOnChange) {
    // The manifest changed: this is a new Job. The old run's pods go first.
    for (const p of live) plan.remove.push({ replica: p.replica, why: 'the Job template changed: a new run starts' });
    if (input.pods.length) return plan;
    record = plan.record = fresh();
  }

  if (record.condition) {
    const ttl = fields.ttlSecondsAfterFinished;
    const active = live.filter((p) => p.phase === 'active');
    for (const p of active) plan.remove.push({ replica: p.replica, why: `the Job is ${record.condition}` });
    if (ttl !== undefined && record.deletedAt === undefined && record.completionTime !== undefined) {
      const due = record.completionTime + ttl * 1000;
      if (now >= due) {
        for (const p of live) plan.remove.push({ replica: p.replica, why: `ttlSecondsAfterFinished (${ttl}s) passed` });
        record.deletedAt = now;
        plan.events.push({ type: 'Normal', reason: 'Deleted', message: `ttlSecondsAfterFinished (${ttl}s) passed` });
      } else plan.requeueAfterMs = due - now;
    }
    return plan;
  }

  // Count what happened, once per pod (a removed pod stays counted).
  const before = jobCounts(record).failed;
  for (const p of input.pods) {
    if (p.phase === 'succeeded' && !record.succeededPods.includes(p.replica)) record.succeededPods.push(p.replica);
    if (p.phase === 'failed' && !record.failedPods.includes(p.replica)) record.failedPods.push(p.replica);
    if (p.restarts > (record.restarts[p.replica] ?? 0)) record.restarts[p.replica] = p.restarts;
  }
  const { succeeded, failed } = jobCounts(record);
  if (failed > before) record.lastFailureAt = now;
  const active = live.filter((p) => p.phase === 'active');

  const finish = (condition: 'Complete' | 'Failed', reason: string, message: string): JobPlan => {
    Object.assign(record, { condition, reason, message, completionTime: now });
    for (const p of active) plan.remove.push({ replica: p.replica, why: message });
    plan.events.push({ type: condition === 'Complete' ? 'Normal' : 'Warning', reason, message });
    if (fields.ttlSecondsAfterFinished !== undefined) plan.requeueAfterMs = fields.ttlSecondsAfterFinished * 1000;
    return plan;
  };

  if (failed > fields.backoffLimit) {
    return finish('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  }
  const deadline = fields.activeDeadlineSeconds;
  if (deadline !== undefined && now - record.startTime >= deadline * 1000) {
    return finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
  }
  const completions = fields.completions;
  if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0) {
    return finish('Complete', 'Completed', 'Job completed');
  }

  const want =
    completions !== undefined
      ? Math.min(fields.parallelism, completions - succeeded)
      : succeeded > 0
        ? 0
        : fields.parallelism;
  if (active.length > want) {
    const extra = [...active].sort((a, b) => b.createdAt - a.createdAt).slice(0, active.length - want);
    for (const p of extra) plan.remove.push({ replica: p.replica, why: 'more pods than parallelism allows' });
  }
  let create = Math.max(0, want - active.length);
  // A pod that failed is replaced after a back-off that doubles per failure (restartPolicy Never).
  if (create > 0 && record.failedPods.length > 0 && record.lastFailureAt !== undefined) {
    const delay = Math.min(input.backoff.baseMs * 2 ** (record.failedPods.length - 1), input.backoff.maxMs);
    const at = record.lastFailureAt + delay;
    if (now < at) {
      plan.requeueAfterMs = at - now;
      create = 0;
    }
  }
  plan.create = create;
  if (deadline !== undefined) {
    const left = record.startTime + deadline * 1000 - now;
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, left);
  }
  return plan;
}
