// The pure half of probing: Kubernetes' defaults and the kubelet's threshold counting.
//
// API
//   withProbeDefaults(kind, probe) → Probe with defaults filled in and liveness/startup successThreshold 1
//   new ProbeTracker(kind, probe)  → .record(success) returns the new result when it flips, else undefined
//                                    .result: the current result ('success' | 'failure' | 'unknown')
//   probeMessage(kind, outcome)    → "Liveness probe failed: HTTP probe failed with statuscode: 500"
//
// Initial results follow pkg/kubelet/prober/worker.go: readiness starts as failure (not
// Ready), liveness as success, startup as unknown. A result flips only after
// successThreshold / failureThreshold consecutive equal outcomes; after a liveness or
// startup failure is reported, the tracker holds until reset() (the container is restarted).

import type { Probe } from '../model/types';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** The API server's defaulting: 0 or missing means the default (timeouts and periods ≥ 1). */
export function withProbeDefaults(kind: ProbeKind, probe: Probe): Probe {
  const pos = (v: number | undefined, d: number): number => (v !== undefined && Number.isFinite(v) && v > 0 ? v : d);
  return {
    ...probe,
    initialDelaySeconds: Math.max(0, probe.initialDelaySeconds || 0),
    periodSeconds: pos(probe.periodSeconds, PROBE_DEFAULTS.periodSeconds),
    timeoutSeconds: pos(probe.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds),
    // Validation requires 1 for liveness and startup; treat anything else as 1.
    successThreshold: kind === 'readiness' ? pos(probe.successThreshold, PROBE_DEFAULTS.successThreshold) : 1,
    failureThreshold: pos(probe.failureThreshold, PROBE_DEFAULTS.failureThreshold),
  };
}

export function initialResult(kind: ProbeKind): ProbeResult {
  return kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown';
}

export class ProbeTracker {
  private last: ProbeResult = 'unknown';
  private run = 0;
  private current: ProbeResult;
  private held = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Pick<Probe, 'successThreshold' | 'failureThreshold'>,
  ) {
    this.current = initialResult(kind);
  }

  get result(): ProbeResult {
    return this.current;
  }

  /** True after a liveness/startup failure was reported: further outcomes are ignored. */
  get onHold(): boolean {
    return this.held;
  }

  /** Record one probe outcome; returns the new result if it changed. */
  record(success: boolean): ProbeResult | undefined {
    if (this.held) return undefined;
    const outcome: ProbeResult = success ? 'success' : 'failure';
    if (outcome === this.last) this.run++;
    else {
      this.last = outcome;
      this.run = 1;
    }
    const threshold = success ? this.probe.successThreshold : this.probe.failureThreshold;
    if (this.run < threshold) return undefined;
    if (!success && this.kind !== 'readiness') {
      // The kubelet kills the container; the worker waits for the new one.
      this.held = true;
      this.run = 0;
    }
    if (outcome === this.current) return undefined;
    this.current = outcome;
    return outcome;
  }

  /** The container was restarted: start counting afresh. */
  reset(): void {
    this.last = 'unknown';
    this.run = 0;
    this.held = false;
    this.current = initialResult(this.kind);
  }
}

export interface CheckOutcome {
  ok: boolean;
  /** Why it failed, in the kubelet's words (e.g. "HTTP probe failed with statuscode: 500"). */
  output: string;
  /** The probe could not run at all (bad port name…): the kubelet says "errored". */
  errored?: boolean;
}

const KIND_LABEL: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export function probeMessage(kind: ProbeKind, outcome: CheckOutcome): string {
  return `${KIND_LABEL[kind]} probe ${outcome.errored ? 'errored' : 'failed'}: ${outcome.output}`;
}
