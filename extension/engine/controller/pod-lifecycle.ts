// The controller's PodLifecycle (hooks.ts): what a pod needs beyond its containers, with
// the full Engine API (volumes, archives, exec). The reconciler keeps deciding what
// exists; this makes a replica (pod-start.ts), stops it with its preStop hooks, removes
// its pod volumes with it, keeps its ConfigMap and Secret files current, and knows which
// replicas are held by an init container's back-off (for status).
import type Docker from 'dockerode';
import type { EngineEvent, StackStatus } from '../api/protocol';
import type { ObservedContainer, ObservedPod } from '../docker/observe';
import { updateVolumeFiles } from '../docker/volume-writer';
import { removePodVolumes } from '../docker/volumes';
import { runHook } from '../health/lifecycle';
import type { DeploymentSpec, NodeSpec, StackSpec } from '../model/types';
import { errorMessage } from '../util/errors';
import { podFacts } from './downward-api';
import type { PodLifecycle } from './hooks';
import type { PodContext, ReplicaPlacement } from './pod-spec';
import { PodSetupError } from '../docker/volume-writer';
import { startReplica, type InitBackoff } from './pod-start';
import { dataDirName, planVolumes } from './pod-volumes';
import type { PreStopRunner } from './replica-ops';

/** What the manager needs of its controller (a StackController fits as is). */
export interface PodLifecycleHost {
  readonly docker: Docker;
  stack: StackSpec;
  nodesNow(): NodeSpec[];
  /** Work that outlives a reconcile pass (a pod initializing): reported, retried, awaited on stop. */
  track(work: Promise<unknown>, deployment: string): void;
  emitEvent(type: EngineEvent['type'], reason: string, object: string, message: string): void;
}

export class PodLifecycleManager implements PodLifecycle {
  private readonly initBackoffs = new Map<string, InitBackoff>();
  /** Restarts of init containers per replica (kubectl counts them in RESTARTS). */
  private readonly initRestarts = new Map<string, number>();
  private readonly initializingNow = new Set<string>();
  /** replica/volume → data dir last written (content-named), so unchanged files are left alone. */
  private readonly written = new Map<string, string>();
  private readonly syncing = new Set<string>();

  constructor(private readonly host: PodLifecycleHost) {}

  async start(
    ctx: PodContext,
    d: DeploymentSpec,
    p: ReplicaPlacement,
    signal: AbortSignal,
    onHook?: () => void,
  ): Promise<void> {
    const object = `replica/${p.replica}`;
    const started = await startReplica(this.host.docker, ctx, d, p, {
      node: this.host.nodesNow().find((n) => n.name === p.node),
      signal,
      onHook,
      onEvent: (type, reason, message) => this.host.emitEvent(type, reason, object, message),
      onInitBackoff: (b) => {
        if (!b) return;
        this.initRestarts.set(p.replica, b.restarts);
        if (b.until) this.initBackoffs.set(p.replica, b);
        else this.initBackoffs.delete(p.replica);
      },
    });
    if (!started.rest) return;
    this.initializingNow.add(p.replica);
    const rest = started.rest
      .then(
        () => this.host.emitEvent('Normal', 'Started', object, 'init containers completed; containers started'),
        (e: unknown) => {
          // The pod was removed (startReplica undoes it); the reconciler makes a new one.
          if (!(e instanceof PodSetupError)) throw e;
          this.host.emitEvent('Warning', e.reason, object, e.message);
        },
      )
      .finally(() => {
        this.initializingNow.delete(p.replica);
        this.initBackoffs.delete(p.replica);
      });
    this.host.track(rest, d.name);
  }

  initializing(replica: string): boolean {
    return this.initializingNow.has(replica);
  }

  preStop(pod: ObservedPod): PreStopRunner | undefined {
    return preStopRunner(this.host.docker, this.host.stack, pod, (message) =>
      this.host.emitEvent('Warning', 'FailedPreStopHook', `replica/${pod.replica}`, message),
    );
  }

  async removed(pod: ObservedPod): Promise<void> {
    this.initRestarts.delete(pod.replica);
    for (const k of [...this.written.keys()]) if (k.startsWith(`${pod.replica}/`)) this.written.delete(k);
    await removePodVolumes(this.host.docker, this.host.stack.name, pod.replica);
  }

  /**
   * Keeps the files of a running replica's configMap, secret and projected volumes equal to the
   * stack's ConfigMaps and Secrets, as the kubelet does on its sync: a new data dir, then ..data
   * switched. Only replicas of the current template (older ones are being replaced).
   */
  sync(pods: ObservedPod[], d: DeploymentSpec, ctx: PodContext, hash: string): void {
    const fileVolumes = (d.template.volumes ?? []).filter((v) => v.configMap || v.secret || v.projected);
    if (!fileVolumes.length) return;
    for (const pod of pods) {
      if (pod.hash !== hash || this.syncing.has(pod.replica) || !pod.containers.length) continue;
      const facts = podFacts(d.template, pod.replica, ctx.stack.name, pod.node);
      const planned = planVolumes({ stack: ctx.stack, template: d.template, replica: pod.replica, facts }).filter(
        (v) => v.files && !v.error && fileVolumes.some((f) => f.name === v.name),
      );
      const stale = planned.filter((v) => this.written.get(`${pod.replica}/${v.name}`) !== dataDirName(v.files ?? []));
      if (!stale.length) continue;
      this.syncing.add(pod.replica);
      void (async () => {
        for (const v of stale) {
          const wrote = await updateVolumeFiles(this.host.docker, ctx.stack.name, v);
          this.written.set(`${pod.replica}/${v.name}`, dataDirName(v.files ?? []));
          if (wrote) {
            this.host.emitEvent(
              'Normal',
              'VolumeUpdated',
              `replica/${pod.replica}`,
              `volume "${v.name}" now holds the current ConfigMap/Secret data`,
            );
          }
        }
      })()
        .catch((e: unknown) =>
          this.host.emitEvent(
            'Warning',
            'FailedMount',
            `replica/${pod.replica}`,
            `updating volume files failed: ${errorMessage(e)}`,
          ),
        )
        // A failed write is retried on a later pass (nothing was recorded for it).
        .finally(() => this.syncing.delete(pod.replica));
    }
  }

  /** Init containers' progress in the kubectl STATUS column (Init:N/M, Init:Error, Init:CrashLoopBackOff). */
  decorate(status: StackStatus, pods: readonly ObservedPod[], now: number): void {
    // Maps, not a search per replica: status stays linear in the stack's size.
    const byReplica = new Map(pods.map((p) => [p.replica, p]));
    const specs = new Map(this.host.stack.deployments.map((x) => [x.name, x]));
    for (const d of status.deployments) {
      const spec = specs.get(d.name);
      for (const r of d.replicas) {
        const pod = byReplica.get(r.name);
        const backoff = this.initBackoffs.get(r.name);
        const reason = pod && spec ? podReason(pod, spec, backoff, now) : undefined;
        if (reason) r.reason = reason;
        r.restarts += this.initRestarts.get(r.name) ?? 0;
      }
    }
  }
}

/** Runs a pod's preStop hooks as its containers are stopped; undefined when it has none. */
export function preStopRunner(
  docker: Docker,
  stack: StackSpec,
  pod: ObservedPod,
  onFailure?: (message: string) => void,
): PreStopRunner | undefined {
  const d = stack.deployments.find((x) => x.name === pod.deployment);
  if (!d?.template.containers.some((c) => c.lifecycle?.preStop)) return undefined;
  return async (c: ObservedContainer, budgetMs: number) => {
    const spec = d.template.containers.find((x) => x.name === c.podContainer);
    const hook = spec?.lifecycle?.preStop;
    if (!spec || !hook) return;
    const target = {
      docker,
      containerId: c.id,
      address: c.ip,
      ports: spec.ports,
      container: spec.name,
      pod: pod.replica,
    };
    const r = await runHook(target, hook, budgetMs);
    if (!r.ok) onFailure?.(r.message);
  };
}

/**
 * The pod's STATUS as kubectl prints it while init containers run or fail: Init:i/N while the
 * i-th runs, Init:Error after a failed exit, Init:CrashLoopBackOff while its restart waits,
 * PodInitializing once they are done and the containers are being made. Undefined otherwise.
 */
export function podReason(
  pod: ObservedPod,
  d: DeploymentSpec,
  backoff: InitBackoff | undefined,
  now: number,
): string | undefined {
  const n = d.template.initContainers?.length ?? 0;
  if (!n || pod.containers.length) return undefined;
  const inits = pod.initContainers ?? [];
  for (let i = 0; i < n; i++) {
    const c = inits.find((x) => x.index === i);
    if (!c) return `Init:${i}/${n}`;
    if (c.state === 'exited' && c.exitCode === 0) continue;
    if (c.state === 'exited' || c.state === 'dead') {
      return backoff && backoff.until > now ? 'Init:CrashLoopBackOff' : 'Init:Error';
    }
    return `Init:${i}/${n}`;
  }
  return 'PodInitializing';
}
