// One pure reconcile step of a CronJob, after Kubernetes' cronjob controller
// (v2): at each scheduled time make a Job named <cronjob>-<minutes since the
// epoch>. Only the most recent missed time runs (and none older than
// startingDeadlineSeconds). concurrencyPolicy Forbid waits while a run is active
// (the missed time runs late if the active run ends before the next one),
// Replace stops the active runs first, Allow lets them overlap. suspend stops
// new runs. Finished runs beyond the history limits are removed, oldest first.
import type { CronSchedule } from '../model/cron';
import type { CronJobSpec } from '../model/types';

export interface CronRun {
  name: string;
  scheduledTime: number;
}

/** What the CronJob has done, kept in the state store. */
export interface CronRecord {
  /** When this controller first saw the CronJob: no run is due from before it. */
  since: number;
  lastScheduleTime?: number;
  runs: CronRun[];
}

export interface RunState {
  active: boolean;
  condition?: 'Complete' | 'Failed';
}

export interface CronInput {
  spec: Pick<
    CronJobSpec,
    | 'name'
    | 'concurrencyPolicy'
    | 'suspend'
    | 'successfulJobsHistoryLimit'
    | 'failedJobsHistoryLimit'
    | 'startingDeadlineSeconds'
  >;
  schedule: CronSchedule;
  record?: CronRecord;
  /** The state of each run in the record (a run with no state yet is active). */
  runs: Map<string, RunState>;
  now: number;
}

export interface CronPlan {
  record: CronRecord;
  start?: CronRun;
  /** Runs to remove with their pods. */
  remove: { name: string; why: string }[];
  requeueAfterMs?: number;
  events: { type: 'Normal' | 'Warning'; reason: string; message: string }[];
}

/** Kubernetes' name for the run scheduled at `t`. */
export function runName(cronJob: string, scheduledTime: number): string {
  return `${cronJob}-${Math.floor(scheduledTime / 60_000)}`;
}

export function planCronJob(input: CronInput): CronPlan {
  const { spec, now, schedule } = input;
  const record: CronRecord = input.record ? structuredClone(input.record) : { since: now, runs: [] };
  const plan: CronPlan = { record, remove: [], events: [] };
  const state = (r: CronRun): RunState => input.runs.get(r.name) ?? { active: true };

  // History: keep the newest successful and failed runs up to their limits.
  const finished = (c: 'Complete' | 'Failed') =>
    record.runs.filter((r) => state(r).condition === c).sort((a, b) => b.scheduledTime - a.scheduledTime);
  const trim = [
    ...finished('Complete').slice(spec.successfulJobsHistoryLimit),
    ...finished('Failed').slice(spec.failedJobsHistoryLimit),
  ];
  for (const r of trim) plan.remove.push({ name: r.name, why: 'beyond the CronJob history limit' });
  record.runs = record.runs.filter((r) => !trim.includes(r));

  const nextAfterNow = schedule.next(now);
  if (nextAfterNow !== undefined) plan.requeueAfterMs = Math.max(0, nextAfterNow - now);
  if (spec.suspend) return plan;

  // The most recent scheduled time not yet run.
  let due: number | undefined;
  let t = schedule.next(record.lastScheduleTime ?? record.since);
  for (let i = 0; t !== undefined && t <= now && i < 100_000; i++) {
    due = t;
    t = schedule.next(t);
  }
  if (due === undefined) return plan;
  if (spec.startingDeadlineSeconds !== undefined && now - due > spec.startingDeadlineSeconds * 1000) {
    record.lastScheduleTime = due;
    plan.events.push({
      type: 'Warning',
      reason: 'MissSchedule',
      message: `missed the run at ${new Date(due).toISOString()} by more than startingDeadlineSeconds (${spec.startingDeadlineSeconds}s)`,
    });
    return plan;
  }
  const active = record.runs.filter((r) => state(r).active);
  if (spec.concurrencyPolicy === 'Forbid' && active.length) {
    plan.events.push({
      type: 'Normal',
      reason: 'JobAlreadyActive',
      message: `not starting the run of ${new Date(due).toISOString()}: ${active[0].name} is still active (concurrencyPolicy Forbid)`,
    });
    return plan;
  }
  if (spec.concurrencyPolicy === 'Replace') {
    const why = 'replaced by a newer run (concurrencyPolicy Replace)';
    for (const r of active) plan.remove.push({ name: r.name, why });
    record.runs = record.runs.filter((r) => !active.includes(r));
  }
  const run = { name: runName(spec.name, due), scheduledTime: due };
  record.lastScheduleTime = due;
  if (!record.runs.some((r) => r.name === run.name)) {
    record.runs.push(run);
    plan.start = run;
    plan.events.push({ type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${run.name}` });
  }
  return plan;
}
