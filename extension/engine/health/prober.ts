// Runs a container's startup, liveness and readiness probes, one timer per probe.
//
// API
//   const prober = new Prober({ docker, replica, containerId, address, container, route,
//                               startedAt?, onReadyChange, onLivenessFailed, onProbeFailed?, onStarted? })
//   prober.start()    begin probing (call once the container runs; `startedAt` = its start time)
//   prober.stop()     cancel every timer; results still in flight are dropped
//   prober.ready / prober.started / prober.lastFailure
//
// Events
//   onReadyChange(replica, ready, lastFailure?)   readiness flipped (starts false; true at once
//                                                 without a readiness probe, once started)
//   onLivenessFailed(replica, reason)             failureThreshold consecutive liveness or startup
//                                                 failures: the controller restarts the container
//                                                 (through RestartBackoff) and makes a new Prober
//   onProbeFailed(replica, message, kind)         every failed attempt (the kubelet's "Unhealthy" event)
//   onStarted(replica)                            the startup probe passed (or there is none)
//
// As the kubelet: the first attempt is at startedAt + initialDelaySeconds, then every
// periodSeconds; liveness and readiness wait for the startup probe; after reporting a
// liveness failure the liveness probe holds (the container is about to be replaced).
//
// Ready sooner: a fresh container usually fails its first check (the server is not listening
// yet) and would wait a whole period for the next. With `portOpen`, the prober runs one more
// check of the startup probe (else the readiness probe) as soon as the probe's port listens,
// never before initialDelaySeconds. Only its success counts: a failure of that extra check is
// not recorded, so failures still count once per period and a failing probe never makes a
// replica unready sooner than the kubelet would.

import type Docker from 'dockerode';
import type { ContainerSpec, Probe } from '../model/types';
import { resolvePort, runCheck, type CheckTarget, type ProbeRoute } from './checks';
import { ProbeTracker, probeMessage, withProbeDefaults, type ProbeKind } from './probe-state';

export interface ProberOptions {
  docker: Docker;
  /** Replica name, passed back in every event. */
  replica: string;
  containerId: string;
  /** The container's IP on the stack network. */
  address: string;
  container: Pick<ContainerSpec, 'ports' | 'livenessProbe' | 'readinessProbe' | 'startupProbe'>;
  /** See reachability.ts: 'direct' from the host, or 'exec' inside the container. */
  route: ProbeRoute;
  /** Epoch ms the container started; initialDelaySeconds counts from here. Default: start(). */
  startedAt?: number;
  onReadyChange?: (replica: string, ready: boolean, lastFailure?: string) => void;
  onLivenessFailed?: (replica: string, reason: string) => void;
  onProbeFailed?: (replica: string, message: string, kind: ProbeKind) => void;
  onStarted?: (replica: string) => void;
  /** Calls back once `port` listens in the container (see port-watch.ts); returns the cancel. */
  portOpen?: (port: number, onOpen: () => void) => () => void;
}

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  tracker: ProbeTracker;
  timer?: NodeJS.Timeout;
  running: boolean;
  stopped: boolean;
  lastFailure?: string;
  /** The port opened while a check was in flight: check once more after it, unless it passed. */
  extraAfter?: boolean;
}

export class Prober {
  private readonly target: CheckTarget;
  private readonly workers = new Map<ProbeKind, Worker>();
  private startedAtMs = 0;
  private isStarted = false;
  private isReady = false;
  private stopped = false;
  private lastFailureMsg?: string;
  /** Cancels checks in flight when the prober stops, so none outlives it. */
  private readonly abort = new AbortController();
  private cancelPortWatch?: () => void;

  constructor(private readonly opts: ProberOptions) {
    this.target = {
      docker: opts.docker,
      containerId: opts.containerId,
      address: opts.address,
      ports: opts.container.ports,
      route: opts.route,
    };
    const specs: [ProbeKind, Probe | undefined][] = [
      ['startup', opts.container.startupProbe],
      ['liveness', opts.container.livenessProbe],
      ['readiness', opts.container.readinessProbe],
    ];
    for (const [kind, spec] of specs) {
      if (!spec) continue;
      const probe = withProbeDefaults(kind, spec);
      this.workers.set(kind, { kind, probe, tracker: new ProbeTracker(kind, probe), running: false, stopped: false });
    }
  }

  get ready(): boolean {
    return this.isReady;
  }
  get started(): boolean {
    return this.isStarted;
  }
  /** The last failure message, e.g. "Liveness probe failed: HTTP probe failed with statuscode: 500". */
  get lastFailure(): string | undefined {
    return this.lastFailureMsg;
  }

  start(): void {
    if (this.stopped || this.startedAtMs) return;
    this.startedAtMs = this.opts.startedAt ?? Date.now();
    const startup = this.workers.get('startup');
    if (startup) this.schedule(startup);
    else this.onStartupPassed();
    this.watchPort();
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.workers.values()) this.halt(w);
    this.abort.abort();
    this.cancelPortWatch?.();
  }

  /** The probe that stands between this container and Ready: startup until it passed, then readiness. */
  private gate(): Worker | undefined {
    return this.isStarted ? this.workers.get('readiness') : this.workers.get('startup');
  }

  private watchPort(): void {
    const w = this.workers.get('startup') ?? this.workers.get('readiness');
    if (!w || !this.opts.portOpen || this.stopped) return;
    const port = probePort(w.probe, this.opts.container.ports);
    if (port === undefined) return;
    this.cancelPortWatch = this.opts.portOpen(port, () => {
      this.cancelPortWatch = undefined;
      const gate = this.gate();
      if (!gate || gate.stopped || this.stopped || gate.tracker.result === 'success') return;
      // Never before initialDelaySeconds: the scheduled first attempt comes then anyway.
      if (Date.now() < this.startedAtMs + gate.probe.initialDelaySeconds * 1000) return;
      if (gate.running) gate.extraAfter = true;
      else void this.attempt(gate, true); // never rejects
    });
  }

  private onStartupPassed(): void {
    this.isStarted = true;
    this.opts.onStarted?.(this.opts.replica);
    const liveness = this.workers.get('liveness');
    if (liveness) this.schedule(liveness);
    const readiness = this.workers.get('readiness');
    if (readiness) this.schedule(readiness);
    else this.setReady(true);
  }

  private setReady(ready: boolean, lastFailure?: string): void {
    if (ready === this.isReady || this.stopped) return;
    this.isReady = ready;
    this.opts.onReadyChange?.(this.opts.replica, ready, ready ? undefined : lastFailure);
  }

  private halt(w: Worker): void {
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
  }

  /** Next attempt: not before the initial delay, then one period after the previous start. */
  private schedule(w: Worker, previousStart?: number): void {
    if (this.stopped || w.stopped) return;
    const now = Date.now();
    const due =
      previousStart === undefined
        ? this.startedAtMs + w.probe.initialDelaySeconds * 1000
        : previousStart + w.probe.periodSeconds * 1000;
    // attempt() cannot reject: runCheck turns every failure into an outcome.
    w.timer = setTimeout(() => void this.attempt(w), Math.max(0, due - now));
  }

  /** One check. An `extra` one (the port just opened) leaves the periodic schedule alone and counts only a success. */
  private async attempt(w: Worker, extra = false): Promise<void> {
    if (!extra) w.timer = undefined;
    if (this.stopped || w.stopped) return;
    if (w.running) {
      // An extra check is in flight: the period goes on from now.
      if (!extra) this.schedule(w, Date.now());
      return;
    }
    w.running = true;
    const startedAt = Date.now();
    const outcome = await runCheck(this.target, w.probe, w.probe.timeoutSeconds, this.abort.signal);
    w.running = false;
    if (this.stopped || w.stopped) return;
    if (extra) {
      if (!outcome.ok) return;
      const flipped = w.tracker.record(true);
      if (flipped) this.apply(w, true);
      return;
    }
    if (!outcome.ok) {
      w.lastFailure = this.lastFailureMsg = probeMessage(w.kind, outcome);
      this.opts.onProbeFailed?.(this.opts.replica, this.lastFailureMsg, w.kind);
    }
    const flipped = w.tracker.record(outcome.ok);
    if (flipped) this.apply(w, flipped === 'success');
    this.schedule(w, startedAt);
    if (w.extraAfter) {
      w.extraAfter = false;
      if (!outcome.ok && !w.stopped) void this.attempt(w, true); // never rejects
    }
  }

  private apply(w: Worker, success: boolean): void {
    switch (w.kind) {
      case 'startup':
        this.halt(w);
        if (success) this.onStartupPassed();
        else this.opts.onLivenessFailed?.(this.opts.replica, w.lastFailure ?? 'Startup probe failed');
        return;
      case 'liveness':
        if (!success) {
          this.halt(w);
          this.opts.onLivenessFailed?.(this.opts.replica, w.lastFailure ?? 'Liveness probe failed');
        }
        return;
      case 'readiness':
        this.setReady(success, w.lastFailure);
        return;
    }
  }
}

/** The TCP port a probe checks (httpGet, tcpSocket, grpc); undefined for exec or a port name not found. */
export function probePort(probe: Probe, ports: ContainerSpec['ports']): number | undefined {
  const p = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
  if (p === undefined) return undefined;
  const n = resolvePort(p, ports);
  return n instanceof Error ? undefined : n;
}
