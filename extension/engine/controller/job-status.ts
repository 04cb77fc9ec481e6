// Jobs and CronJobs in StackStatus (`jobs`), from their records in the state
// store and the observed pods: what `kubectl get jobs,cronjobs` would show,
// with each Job's pods. The same code serves a running controller and
// `flotilla status` without one.
import type { JobStatus } from '../api/protocol';
import { podOutcome, podPhase, type ObservedPod } from '../docker/observe';
import { parseCron } from '../model/cron';
import type { CronJobSpec, JobSpec, StackSpec } from '../model/types';
import { jobCounts } from './job';
import { runOf } from './job-runner';
import { workloadReplicas, type StatusInputs } from './replica-status';

export function buildJobStatuses(stack: StackSpec, pods: ObservedPod[], inputs: StatusInputs): JobStatus[] {
  const records = inputs.records ?? { jobs: {}, cronJobs: {} };
  const out: JobStatus[] = [];
  for (const j of stack.jobs) out.push(jobStatus(j, pods, inputs));
  for (const c of stack.cronJobs) {
    const runs = records.cronJobs[c.name]?.runs ?? [];
    const runStatuses = runs.map((run) => jobStatus(runOf(c, run.name), pods, inputs));
    out.push(cronStatus(c, runStatuses, inputs));
    out.push(...runStatuses);
  }
  return out;
}

function jobStatus(j: JobSpec, pods: ObservedPod[], inputs: StatusInputs): JobStatus {
  const record = inputs.records?.jobs[j.name];
  const mine = pods.filter((p) => p.deployment === j.name);
  const counts = record ? jobCounts(record) : { succeeded: 0, failed: 0 };
  // Without a record (no controller has seen the Job yet) the pods alone tell.
  const outcomes = mine.map((p) => podOutcome(p, j.template.restartPolicy, inputs.runtime?.peek(p.replica)?.stayDown));
  const succeeded = Math.max(counts.succeeded, outcomes.filter((o) => o === 'succeeded').length);
  const failed = Math.max(counts.failed, outcomes.filter((o) => o === 'failed').length);
  const active = mine.filter((p) => podPhase(p) !== 'exited' && !inputs.runtime?.peek(p.replica)?.terminating).length;
  const status: JobStatus = {
    name: j.name,
    kind: 'Job',
    active,
    succeeded,
    failed,
    completions: j.job.completions,
    parallelism: j.job.parallelism,
    manifest: { file: j.source.file, line: j.source.line },
    replicas: workloadReplicas(j, pods, inputs),
  };
  if (j.job.cronJob) status.cronJob = j.job.cronJob;
  if (record) {
    status.startTime = new Date(record.startTime).toISOString();
    if (record.condition) {
      status.condition = record.condition;
      status.reason = record.reason;
      status.message = record.message;
    }
    if (record.completionTime !== undefined) status.completionTime = new Date(record.completionTime).toISOString();
  }
  return status;
}

function cronStatus(c: CronJobSpec, runs: JobStatus[], inputs: StatusInputs): JobStatus {
  const record = inputs.records?.cronJobs[c.name];
  const parsed = parseCron(c.schedule);
  const next = 'schedule' in parsed && !c.suspend ? parsed.schedule.next(inputs.now) : undefined;
  return {
    name: c.name,
    kind: 'CronJob',
    active: runs.filter((r) => !r.condition).length,
    succeeded: runs.filter((r) => r.condition === 'Complete').length,
    failed: runs.filter((r) => r.condition === 'Failed').length,
    schedule: c.schedule,
    suspend: c.suspend,
    lastScheduleTime:
      record?.lastScheduleTime !== undefined ? new Date(record.lastScheduleTime).toISOString() : undefined,
    nextScheduleTime: next !== undefined ? new Date(next).toISOString() : undefined,
    jobs: runs.map((r) => r.name),
    manifest: { file: c.source.file, line: c.source.line },
    replicas: [],
  };
}
