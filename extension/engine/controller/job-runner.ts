// Jobs and CronJobs in the reconcile loop: the pure planners (job.ts,
// cron-job.ts) decide, this applies their decisions through the reconciler's
// replica operations and keeps their records in the state store. A CronJob's
// runs are Jobs named <cronjob>-<minute>, found again from its record after a
// restart; a run that finishes wakes its CronJob (Forbid, history limits).
import { podOutcome, type ObservedPod } from '../docker/observe';
import { parseCron } from '../model/cron';
import type { CronJobSpec, JobSpec, StackSpec } from '../model/types';
import { planCronJob, type RunState } from './cron-job';
import { planJob, type JobPod } from './job';
import { podTemplateHash } from './pod-spec';
import type { Reconciler } from './reconciler';
import { restartCount } from './runtime';
import type { ReconcileResult } from './workqueue';

export class JobRunner {
  constructor(private readonly r: Reconciler) {}

  /** The Job named `key`: a manifest's, or a run of a CronJob (by its record). */
  find(stack: StackSpec, key: string): JobSpec | undefined {
    const job = stack.jobs.find((j) => j.name === key);
    if (job) return job;
    const records = this.r.host.store.get().cronJobs;
    for (const c of stack.cronJobs) {
      if (records[c.name]?.runs.some((run) => run.name === key)) return runOf(c, key);
    }
    return undefined;
  }

  /** The Jobs that may have work now: the manifests' and the CronJobs' recorded runs. */
  keys(stack: StackSpec): string[] {
    const records = this.r.host.store.get().cronJobs;
    return [
      ...stack.jobs.map((j) => j.name),
      ...stack.cronJobs.flatMap((c) => [c.name, ...(records[c.name]?.runs.map((run) => run.name) ?? [])]),
    ];
  }

  /** A workload gone from the manifests: its record goes too, so adding it back runs it afresh. */
  forget(key: string): void {
    const s = this.r.host.store.get();
    if (!s.jobs[key] && !s.cronJobs[key] && s.pods[key] === undefined) return;
    this.r.host.store.update((st) => {
      delete st.jobs[key];
      delete st.cronJobs[key];
      delete st.pods[key];
    });
  }

  async reconcileJob(
    j: JobSpec,
    mine: ObservedPod[],
    now: number,
    listedAt: number,
    signal: AbortSignal,
    release: () => void,
  ): Promise<ReconcileResult> {
    const { host } = this.r;
    const ctx = this.r.context(j);
    const hash = podTemplateHash(ctx, j);
    const before = host.store.get().jobs[j.name];
    // A finished Job's pods are not restarted in place any more.
    const observed = this.r.observeReplicas(j, mine, now, listedAt, !before?.condition);
    const pods: JobPod[] = mine.map((p) => {
      const rt = host.runtime.peek(p.replica);
      return {
        replica: p.replica,
        phase: podOutcome(p, j.template.restartPolicy, rt?.stayDown) ?? 'active',
        restarts: j.template.restartPolicy === 'OnFailure' ? restartCount(rt) : 0,
        terminating: !!rt?.terminating,
        createdAt: p.createdAt,
      };
    });
    const { settings } = host.desired().stack;
    const plan = planJob({
      name: j.name,
      fields: j.job,
      restartPolicy: j.template.restartPolicy,
      currentHash: hash,
      rerunOnChange: !j.job.cronJob,
      pods,
      record: before,
      now,
      backoff: { baseMs: settings.backoffBaseSeconds * 1000, maxMs: settings.backoffMaxSeconds * 1000 },
    });
    for (const e of plan.events) host.emitEvent(e.type, e.reason, `job/${j.name}`, e.message);
    if (JSON.stringify(plan.record) !== JSON.stringify(before)) {
      host.store.update((s) => {
        s.jobs[j.name] = plan.record;
      });
    }
    for (const r of plan.remove) {
      const p = mine.find((x) => x.replica === r.replica);
      if (p) this.r.terminate(p, r.why);
    }
    if (plan.create > 0) {
      const slots = Array.from({ length: plan.create }, () => ({}));
      await this.r.createReplicas(j, ctx, hash, slots, now, signal, release);
    } else this.r.pending.delete(j.name);
    if (plan.record.condition && !before?.condition && j.job.cronJob) host.queue.add(j.job.cronJob);
    host.changed();
    let requeue = observed.requeueAfterMs;
    if (plan.requeueAfterMs !== undefined) requeue = Math.min(requeue ?? Infinity, plan.requeueAfterMs);
    if (this.r.pending.get(j.name)?.length) requeue = Math.min(requeue ?? Infinity, 5000);
    return requeue === undefined ? undefined : { requeueAfterMs: Math.max(50, requeue) };
  }

  reconcileCron(c: CronJobSpec, now: number): ReconcileResult {
    const { host } = this.r;
    const parsed = parseCron(c.schedule);
    if ('error' in parsed) return; // the loader refuses such a stack; nothing to schedule
    const state = host.store.get();
    const runs = new Map<string, RunState>();
    for (const run of state.cronJobs[c.name]?.runs ?? []) {
      const rec = state.jobs[run.name];
      runs.set(run.name, { active: !rec?.condition, condition: rec?.condition });
    }
    const plan = planCronJob({ spec: c, schedule: parsed.schedule, record: state.cronJobs[c.name], runs, now });
    for (const e of plan.events) host.emitEvent(e.type, e.reason, `cronjob/${c.name}`, e.message);
    for (const gone of plan.remove) {
      for (const p of this.r.pods.filter((x) => x.deployment === gone.name)) this.r.terminate(p, gone.why);
    }
    host.store.update((s) => {
      s.cronJobs[c.name] = plan.record;
      for (const gone of plan.remove) delete s.jobs[gone.name];
    });
    if (plan.start) host.queue.add(plan.start.name);
    host.changed();
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  }
}

/** A CronJob's run: its Job template under the run's name. */
export function runOf(c: CronJobSpec, name: string): JobSpec {
  return { ...c.job, name, job: { ...c.job.job, cronJob: c.name } };
}
