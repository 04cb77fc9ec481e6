// Intents that must survive a controller restart (kubectl scale, rollout restart),
// counters Docker cannot hold (restart counts: a restarted-in-place container
// keeps its immutable labels) and what run-once work has done (a Job's counts, a
// CronJob's runs, the bare Pods already started), so a restart never runs it
// again. Kept in <stack dir>/.flotilla/state.json, written atomically so a killed
// controller never leaves half a file. `down` forgets the run-once records, as
// deleting and re-applying the objects would in a cluster.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR } from '../api/protocol';
import { isRecord } from '../util/errors';
import type { CronRecord } from './cron-job';
import type { JobRecord } from './job';

export interface StackState {
  /** Manual scale per deployment (overrides spec.replicas; an HPA overrides both). See hand-scale.ts. */
  scale: Record<string, number>;
  /** The manifest's replicas each manual scale overrode: when they change, the override is dropped. */
  scaleManifest: Record<string, number>;
  /** Rolling restart time per deployment, as the restartedAt template annotation. */
  restartedAt: Record<string, string>;
  /** Restart counts per replica. */
  restarts: Record<string, number>;
  /** Per Job (a CronJob's runs included): what it has counted (see job.ts). */
  jobs: Record<string, JobRecord>;
  /** Per CronJob: its schedule bookkeeping and runs (see cron-job.ts). */
  cronJobs: Record<string, CronRecord>;
  /** Bare Pods started, with the template hash: one deleted since is not started again. */
  pods: Record<string, string>;
}

export function stateDir(stackDir: string): string {
  return path.join(stackDir, STATE_DIR);
}

export class StateStore {
  private state: StackState;
  private file: string;
  /** The file's identity when last read: reload() reads it again only when it changed. */
  private seen = '';

  constructor(stackDir: string) {
    this.file = path.join(stateDir(stackDir), 'state.json');
    this.seen = this.stamp();
    this.state = StateStore.read(this.file);
  }

  private stamp(): string {
    try {
      const st = fs.statSync(this.file);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return 'none';
    }
  }

  static read(file: string): StackState {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      raw = {}; // no intents recorded yet (or a file edited into invalid JSON): start empty
    }
    const s = isRecord(raw) ? raw : {};
    return {
      scale: entries(s.scale, isCount),
      scaleManifest: entries(s.scaleManifest, isCount),
      restartedAt: entries(s.restartedAt, isString),
      restarts: entries(s.restarts, isCount),
      jobs: entries(s.jobs, isJobRecord),
      cronJobs: entries(s.cronJobs, isCronRecord),
      pods: entries(s.pods, isString),
    };
  }

  /** Re-reads the file if it changed: another process (the CLI) may have written an intent. */
  reload(): StackState {
    const stamp = this.stamp();
    if (stamp === this.seen) return this.state;
    this.seen = stamp;
    this.state = StateStore.read(this.file);
    return this.state;
  }

  get(): StackState {
    return this.state;
  }

  update(fn: (s: StackState) => void): void {
    this.state = StateStore.read(this.file); // merge with writes from other processes
    fn(this.state);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state, null, 2));
    fs.renameSync(tmp, this.file);
    this.seen = this.stamp();
  }
}

/** The entries of a JSON object whose values pass `ok` (a hand-edited file may hold anything). */
function entries<T>(v: unknown, ok: (x: unknown) => x is T): Record<string, T> {
  const out: Record<string, T> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (ok(x)) out[k] = x;
  return out;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isString(x: unknown): x is string {
  return typeof x === 'string';
}

/** Forgets what run-once work did (`down`): the next `up` runs Jobs, CronJob schedules and bare Pods afresh. */
export function forgetRunOnce(s: StackState): void {
  s.jobs = {};
  s.cronJobs = {};
  s.pods = {};
}

// A hand-edited or older state file may hold anything: records of the wrong shape are dropped.
function isJobRecord(x: unknown): x is JobRecord {
  return (
    isRecord(x) &&
    typeof x.hash === 'string' &&
    typeof x.startTime === 'number' &&
    Array.isArray(x.succeededPods) &&
    Array.isArray(x.failedPods) &&
    isRecord(x.restarts)
  );
}

function isCronRecord(x: unknown): x is CronRecord {
  return isRecord(x) && typeof x.since === 'number' && Array.isArray(x.runs);
}
