// The controller's HealthMonitor: one Prober per probed container of each running replica.
//
// API
//   new ProbeMonitor(docker, controller, { route? })   implements HealthMonitor (controller.ts)
//     controller: { stack: { name }, onReadiness(replica, ready), onLivenessFailure(replica, message),
//                   emitEvent?(type, reason, object, message) }   — a StackController fits as is
//     .watch(pod, deployment)   start probing a running replica (idempotent; new container ids restart it)
//     .unwatch(replica)         stop its probers (exited, terminating, removed)
//     .containerGone(id)        Docker removed a container: the watch probing it ends
//     .stop()                   stop everything
//   attachHealth(controller)    controller.health = new ProbeMonitor(controller.docker, controller)
//
// A replica is Ready when every container is (containers without a readiness probe are
// Ready once their startup probe passed). Only changes from what the controller assumes
// (Ready unless a readiness probe exists) are reported. Any container's liveness or startup failure is
// reported once per watch; the controller restarts the replica through its RestartBackoff.
// The probe route (from the host, or inside the container) is detected once per stack.

import type Docker from 'dockerode';
import type { HealthMonitor } from '../controller/controller';
import type { ObservedPod } from '../docker/observe';
import type { ContainerSpec, DeploymentSpec, Probe } from '../model/types';
import type { ProbeRoute } from './checks';
import { PROBE_DEFAULTS, withProbeDefaults, type ProbeKind } from './probe-state';
import { PortWatcher } from './port-watch';
import { Prober } from './prober';
import { probeRouteForStack } from './reachability';

/** What the monitor reports to: the StackController's own methods. */
export interface HealthHooks {
  /** Read on every watch, so a reloaded stack keeps working. */
  stack: { name: string };
  onReadiness(replica: string, ready: boolean): void;
  onLivenessFailure(replica: string, message: string): void | Promise<void>;
  /**
   * Receives every failed attempt as a Warning "Unhealthy" event, as the kubelet records them,
   * except readiness and startup failures of a replica that was never Ready and is still within
   * its startup time: those are Normal "Starting" events (a server that is still starting).
   */
  emitEvent?(type: 'Normal' | 'Warning', reason: string, object: string, message: string): void;
}

interface Watch {
  key: string;
  probers: Prober[];
  /** What the controller assumes until told otherwise: Ready unless a readiness probe exists. */
  ready: boolean;
  starting: boolean;
  /** The replica has been Ready at least once since this container started. */
  everReady: boolean;
  livenessReported: boolean;
  cancelled: boolean;
}

export class ProbeMonitor implements HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  /** Sees a fresh container's probe port open, for one more check then (prober.ts). */
  private readonly ports: PortWatcher;
  private stopped = false;

  constructor(
    private readonly docker: Docker,
    private readonly hooks: HealthHooks,
    private readonly opts: MonitorOptions = {},
  ) {
    this.ports = new PortWatcher(docker);
  }

  watch(pod: ObservedPod, d: DeploymentSpec): void {
    // A reconcile finishing after stop() must not start probers again.
    if (this.stopped) return;
    const key = pod.containers.map((c) => c.id).join(',');
    const existing = this.watches.get(pod.replica);
    if (existing?.key === key) return;
    if (existing) this.unwatch(pod.replica);
    const w: Watch = {
      key,
      probers: [],
      ready: false,
      starting: true,
      everReady: false,
      livenessReported: false,
      cancelled: false,
    };
    this.watches.set(pod.replica, w);
    void this.begin(pod, d, w).catch(() => {
      // Route detection cannot fail (it falls back to 'exec'); a vanished container is
      // noticed by the controller's next reconcile, which unwatches it.
    });
  }

  unwatch(replica: string): void {
    const w = this.watches.get(replica);
    if (!w) return;
    w.cancelled = true;
    for (const p of w.probers) p.stop();
    this.watches.delete(replica);
  }

  containerGone(id: string): void {
    // A replica removed by hand (or by anything but the controller) would otherwise keep its
    // probers, probing an address Docker may give to the next container.
    for (const [replica, w] of this.watches) if (w.key.split(',').includes(id)) this.unwatch(replica);
  }

  stop(): void {
    this.stopped = true;
    for (const r of [...this.watches.keys()]) this.unwatch(r);
    this.ports.stop();
  }

  /** Replicas being probed (tests, status). */
  watched(): string[] {
    return [...this.watches.keys()];
  }

  private async begin(pod: ObservedPod, d: DeploymentSpec, w: Watch): Promise<void> {
    // Sidecars share the first container's network namespace, hence its address.
    const address = pod.containers.find((c) => c.ip)?.ip ?? '';
    const startedAt = Date.now();
    const specs = pod.containers.map((c) => ({
      c,
      spec: d.template.containers.find((s) => s.name === c.podContainer),
    }));
    const probed = specs.filter(({ spec }) => spec && (spec.livenessProbe || spec.readinessProbe || spec.startupProbe));
    if (probed.length === 0) return; // the controller treats an unprobed running replica as Ready
    if (!address) {
      // Not attached to the stack network yet: forget the watch so the next reconcile retries.
      if (this.watches.get(pod.replica) === w) this.watches.delete(pod.replica);
      return;
    }
    const route = this.opts.route ?? (await probeRouteForStack(this.hooks.stack.name, address));
    if (w.cancelled) return;
    const startupUntil =
      startedAt + Math.max(this.opts.minStartupMs ?? MIN_STARTUP_MS, startupWindowMs(probed.map(({ spec }) => spec)));
    // The controller counts a replica without readiness probes as Ready; a startup probe
    // that has not passed yet makes it not Ready, and publishReady below says so.
    w.ready = !probed.some(({ spec }) => spec!.readinessProbe);
    for (const { c, spec } of probed) {
      const prober: Prober = new Prober({
        docker: this.docker,
        replica: pod.replica,
        containerId: c.id,
        address,
        container: spec!,
        route,
        startedAt,
        portOpen:
          this.opts.portWatch === false
            ? undefined
            : (port, onOpen) =>
                this.ports.watch({ containerId: c.id, address, port, route }, onOpen, startupUntil - Date.now()),
        onReadyChange: () => this.publishReady(pod.replica, w),
        onLivenessFailed: (replica, reason) => {
          if (w.cancelled || w.livenessReported) return;
          w.livenessReported = true;
          // The controller reports and retries a failed stop itself (its work queue); nothing to add here.
          void Promise.resolve(this.hooks.onLivenessFailure(replica, reason)).catch(() => undefined);
        },
        onProbeFailed: (replica, message, kind) => {
          if (w.cancelled) return;
          if (kind !== 'liveness' && !w.everReady && Date.now() < startupUntil) {
            this.hooks.emitEvent?.(
              'Normal',
              'Starting',
              `replica/${replica}`,
              `${message} (not Ready yet: still starting)`,
            );
          } else {
            this.hooks.emitEvent?.('Warning', 'Unhealthy', `replica/${replica}`, message);
          }
        },
      });
      w.probers.push(prober);
    }
    // Probers without a readiness probe turn Ready inside start(): report the replica once, after all started.
    for (const p of w.probers) p.start();
    w.starting = false;
    this.publishReady(pod.replica, w);
  }

  private publishReady(replica: string, w: Watch): void {
    if (w.cancelled || w.starting) return;
    const ready = w.probers.every((p) => p.ready);
    if (ready) w.everReady = true;
    if (w.ready === ready) return;
    w.ready = ready;
    this.hooks.onReadiness(replica, ready);
  }
}

/**
 * A fresh container counts as starting for at least as long as Kubernetes' default readiness
 * probe would let it fail (3 × 10 s): a server on a busy machine may take that long.
 */
const MIN_STARTUP_MS = PROBE_DEFAULTS.failureThreshold * PROBE_DEFAULTS.periodSeconds * 1000;

export interface MonitorOptions {
  /** Where probes run from (detected per stack when not given). */
  route?: ProbeRoute;
  /** The least time a fresh container counts as starting (tests lower it). */
  minStartupMs?: number;
  /** false: no extra check when the probe's port opens (only the periodic ones, as before; benches compare). */
  portWatch?: boolean;
}

/**
 * How long a fresh container counts as starting: its startup probe's whole budget, then the
 * time its readiness probe may keep failing before the failures mean something
 * (initialDelaySeconds + failureThreshold × periodSeconds).
 */
function startupWindowMs(specs: (ContainerSpec | undefined)[]): number {
  const budget = (kind: ProbeKind, p: Probe | undefined) => {
    if (!p) return 0;
    const d = withProbeDefaults(kind, p);
    return (d.initialDelaySeconds ?? 0) + (d.failureThreshold ?? 3) * (d.periodSeconds ?? 10);
  };
  return (
    Math.max(0, ...specs.map((s) => budget('startup', s?.startupProbe) + budget('readiness', s?.readinessProbe))) * 1000
  );
}

/** Wire probes into a controller: its onReadiness / onLivenessFailure receive the results. */
export function attachHealth(
  controller: { docker: Docker; health?: HealthMonitor } & HealthHooks,
  opts: MonitorOptions = {},
): ProbeMonitor {
  const monitor = new ProbeMonitor(controller.docker, controller, opts);
  controller.health = monitor;
  return monitor;
}
