// CrashLoopBackOff, as the kubelet does it, for one replica's container.
//
// API
//   crashLoopDelay(n, base, cap)         base · 2^(n−1) s capped (n ≥ 1); 0 for n ≤ 0
//   shouldRestart(policy, exitCode)      restartPolicy Always / OnFailure / Never
//   new RestartBackoff({restartPolicy, baseSeconds, maxSeconds})   or RestartBackoff.fromSettings(settings, policy)
//     .onExit(now, exitCode, ranForMs, probeFailure?) → delay in ms, or null: do not restart
//     .status(now)  → BackoffStatus while a restart is pending, else undefined
//     .restarts     → restarts granted so far (the pod's restartCount)
//
// Kubernetes: the first crash restarts at once (the kubelet has no back-off entry yet),
// the next ones wait 10 s, 20 s, 40 s … capped at 300 s: onExit returns
// crashLoopDelay(consecutive − 1). The count resets once a container has run cleanly
// for 10 minutes: the kubelet's backoff entry expires after twice the cap
// (2 × 300 s = 10 min), so a lowered cap (a fast dev loop) also shortens the reset;
// `resetAfterSeconds` overrides that. Times are epoch milliseconds so callers and
// tests own the clock.

import type { RestartPolicy, StackSettings } from '../model/types';
import type { BackoffStatus } from '../api/protocol';

export const CRASH_LOOP_REASON = 'CrashLoopBackOff';
export const DEFAULT_BACKOFF_BASE_SECONDS = 10;
export const DEFAULT_BACKOFF_MAX_SECONDS = 300;

/** The n-th back-off step: base · 2^(n−1), capped. Non-positive n gives 0. */
export function crashLoopDelay(consecutive: number, baseSeconds: number, maxSeconds: number): number {
  if (!(consecutive >= 1) || !(baseSeconds > 0)) return 0;
  const cap = Math.max(0, maxSeconds);
  // Stop doubling once past the cap: 2^n overflows to Infinity long before it matters.
  let delay = baseSeconds;
  for (let i = 1; i < consecutive && delay < cap; i++) delay *= 2;
  return Math.min(delay, cap);
}

/** Whether the kubelet restarts a container that exited with this code. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  switch (policy) {
    case 'Always':
      return true;
    case 'OnFailure':
      return exitCode !== 0;
    case 'Never':
      return false;
  }
}

export interface RestartBackoffOptions {
  restartPolicy: RestartPolicy;
  baseSeconds?: number;
  maxSeconds?: number;
  /** Clean running time after which the next crash counts as the first. Default 2 × maxSeconds. */
  resetAfterSeconds?: number;
}

export class RestartBackoff {
  readonly restartPolicy: RestartPolicy;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly resetAfterSeconds: number;
  private consecutive = 0;
  private restartCount = 0;
  private nextRetryAt?: number;
  private lastExitCode?: number;
  private lastProbeFailure?: string;

  constructor(opts: RestartBackoffOptions) {
    this.restartPolicy = opts.restartPolicy;
    this.baseSeconds = nonNegative(opts.baseSeconds, DEFAULT_BACKOFF_BASE_SECONDS);
    this.maxSeconds = Math.max(this.baseSeconds, nonNegative(opts.maxSeconds, DEFAULT_BACKOFF_MAX_SECONDS));
    this.resetAfterSeconds = nonNegative(opts.resetAfterSeconds, 2 * this.maxSeconds);
  }

  static fromSettings(
    settings: Pick<StackSettings, 'backoffBaseSeconds' | 'backoffMaxSeconds'>,
    restartPolicy: RestartPolicy,
  ): RestartBackoff {
    return new RestartBackoff({
      restartPolicy,
      baseSeconds: settings.backoffBaseSeconds,
      maxSeconds: settings.backoffMaxSeconds,
    });
  }

  /** Restarts granted so far: what `kubectl get pods` shows as RESTARTS. */
  get restarts(): number {
    return this.restartCount;
  }

  /**
   * The container exited (on its own, killed, or after a failed liveness probe).
   * Returns the delay in ms before the restart, or null when the policy says no restart.
   */
  onExit(now: number, exitCode: number, ranForMs: number, probeFailure?: string): number | null {
    this.lastExitCode = exitCode;
    this.lastProbeFailure = probeFailure;
    if (ranForMs >= this.resetAfterSeconds * 1000) this.consecutive = 0;
    if (!shouldRestart(this.restartPolicy, exitCode)) {
      this.nextRetryAt = undefined;
      return null;
    }
    this.consecutive++;
    this.restartCount++;
    // As the kubelet: the first crash restarts at once (no back-off entry yet), later
    // ones wait base, 2·base, … — so a killed replica comes back as fast as Docker can start it.
    const delayMs = crashLoopDelay(this.consecutive - 1, this.baseSeconds, this.maxSeconds) * 1000;
    this.nextRetryAt = now + delayMs;
    return delayMs;
  }

  /** The waiting state while a restart is pending; undefined once it is due (or none is). */
  status(now: number): BackoffStatus | undefined {
    if (this.nextRetryAt === undefined || now >= this.nextRetryAt) return undefined;
    const status: BackoffStatus = {
      reason: CRASH_LOOP_REASON,
      nextRetrySeconds: Math.ceil((this.nextRetryAt - now) / 1000),
      nextRetryAt: new Date(this.nextRetryAt).toISOString(),
    };
    if (this.lastExitCode !== undefined) status.lastExitCode = this.lastExitCode;
    if (this.lastProbeFailure !== undefined) status.lastProbeFailure = this.lastProbeFailure;
    return status;
  }

  /** Epoch ms of the pending restart, if any. */
  get pendingUntil(): number | undefined {
    return this.nextRetryAt;
  }
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}
