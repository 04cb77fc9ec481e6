// What users and the autoscaler ask of a running stack, as kubectl would ask a
// cluster: scale (kept in the state store, so it survives a controller restart, until
// `down` or a change of the manifest's replicas: hand-scale.ts), scale by a delta (applied
// in the order requests arrive), rollout restart, the HPA's replica count, and acting on
// one replica (restart, kill). Each records the intent and enqueues the workload; the
// reconciler does the work. Scale and restart work for the kinds kubectl allows them on.
import type { EngineEvent } from '../api/protocol';
import type { DockerApi } from '../docker/api';
import { observeStack, type ObservedPod } from '../docker/observe';
import type { DeploymentStatus } from '../api/protocol';
import type { DeploymentSpec, NodeSpec, StackSpec, WorkloadKind } from '../model/types';
import { daemonNodes } from './daemon-set';
import { clearHandScale, dropStaleHandScales, handScale, manifestReplicas, recordHandScale } from './hand-scale';
import { killReplica, stopReplica } from './replica-ops';
import type { PodLifecycle } from './hooks';
import type { StateStore } from './state-store';
import type { WorkQueue } from './workqueue';

export interface IntentHost {
  readonly docker: DockerApi;
  readonly store: StateStore;
  readonly queue: Pick<WorkQueue, 'add'>;
  now(): number;
  stack(): StackSpec;
  nodes(): NodeSpec[];
  graceSeconds(deployment: string): number;
  pods(): PodLifecycle | undefined;
  emitEvent(type: EngineEvent['type'], reason: string, object: string, message: string): void;
}

export class Intents {
  /** The HPA's decision per deployment; it overrides spec.replicas and a manual scale. */
  private readonly hpaReplicas = new Map<string, number>();

  constructor(private readonly host: IntentHost) {}

  /**
   * The replica count the reconciler aims for: the HPA's, else a hand scale in force, else
   * spec.replicas (default 1). A DaemonSet runs one per matching node; a bare Pod is one pod.
   */
  desiredReplicas(d: DeploymentSpec): number {
    const kind = d.kind ?? 'Deployment';
    if (kind === 'DaemonSet') return daemonNodes(this.host.nodes(), d.template.nodeSelector).length;
    if (kind === 'Pod') return 1;
    return this.hpaReplicas.get(d.name) ?? handScale(this.host.store.get(), d)?.replicas ?? manifestReplicas(d);
  }

  /** The hand scale in force, for status (none while the HPA decides the count). */
  handScale(d: DeploymentSpec): DeploymentStatus['scaledByHand'] {
    return this.hpaReplicas.has(d.name) ? undefined : handScale(this.host.store.get(), d);
  }

  /** Drops hand scales the manifests no longer agree with (at start, and on every reload). */
  applyManifests(stack: StackSpec): void {
    let dropped: ReturnType<typeof dropStaleHandScales> = [];
    this.host.store.update((s) => {
      dropped = dropStaleHandScales(s, stack);
    });
    for (const x of dropped) {
      this.host.emitEvent(
        'Normal',
        'ScalingReplicaSet',
        `deployment/${x.deployment}`,
        `the manifest now asks for ${x.manifestReplicas} replicas: the hand scale to ${x.replicas} is dropped`,
      );
      this.host.queue.add(x.deployment);
    }
  }

  /** Scales by `delta` from the count in force now; requests are applied one by one, in order. */
  scaleBy(deployment: string, delta: number): string {
    const d = this.requireDeployment(deployment);
    if (!Number.isInteger(delta)) throw new Error(`delta must be a whole number, got ${delta}`);
    return this.scale(deployment, Math.max(0, this.desiredReplicas(d) + delta));
  }

  /** Reset to Manifest: drops the hand scale. */
  resetScale(deployment: string): string {
    const d = this.requireDeployment(deployment);
    requireKind(d, SCALABLE, 'scale');
    const replicas = manifestReplicas(d);
    this.host.store.update((s) => clearHandScale(s, d.name));
    this.host.emitEvent('Normal', 'ScalingReplicaSet', objectOf(d), `reset to the manifest's ${replicas}`);
    if (this.hpaReplicas.has(d.name)) this.hpaReplicas.set(d.name, replicas);
    this.host.queue.add(d.name);
    return `${objectOf(d)} reset to the manifest's ${replicas} replicas`;
  }

  scale(deployment: string, replicas: number): string {
    const d = this.requireDeployment(deployment);
    requireKind(d, SCALABLE, 'scale');
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new Error(`replicas must be a whole number ≥ 0, got ${replicas}`);
    }
    this.host.store.update((s) => recordHandScale(s, d, replicas));
    this.host.emitEvent('Normal', 'ScalingReplicaSet', objectOf(d), `scaled to ${replicas}`);
    const hpa = this.host
      .stack()
      .hpas.find((h) => h.target.kind === (d.kind ?? 'Deployment') && h.target.name === d.name);
    // As `kubectl scale` on an HPA target: applied now, overridden at the HPA's next sync.
    if (hpa && this.hpaReplicas.has(d.name)) this.hpaReplicas.set(d.name, replicas);
    this.host.queue.add(d.name);
    return hpa
      ? `${objectOf(d)} scaled to ${replicas}, but it is managed by HorizontalPodAutoscaler ${hpa.name}: the HPA overrides a manual scale on its next sync, as in Kubernetes`
      : `${objectOf(d)} scaled to ${replicas}`;
  }

  restart(deployment: string): string {
    const d = this.requireDeployment(deployment);
    requireKind(d, RESTARTABLE, 'restart');
    const at = new Date(this.host.now()).toISOString();
    this.host.store.update((s) => {
      s.restartedAt[d.name] = at;
    });
    this.host.emitEvent('Normal', 'RolloutRestart', objectOf(d), `rolling restart at ${at}`);
    this.host.queue.add(d.name);
    return `${objectOf(d)} restarting`;
  }

  /** Sets the HPA's decision for a deployment (undefined hands control back to spec/scale). */
  setAutoscaled(deployment: string, replicas: number | undefined): void {
    if (replicas === undefined) this.hpaReplicas.delete(deployment);
    else if (this.hpaReplicas.get(deployment) !== replicas) this.hpaReplicas.set(deployment, replicas);
    else return;
    this.host.queue.add(deployment);
  }

  async restartReplica(name: string): Promise<string> {
    const pod = await this.findPod(name);
    await stopReplica(this.host.docker, pod, this.host.graceSeconds(pod.deployment), this.host.pods()?.preStop(pod));
    return `replica/${name} restarted`;
  }

  async killReplica(name: string): Promise<string> {
    const pod = await this.findPod(name);
    await killReplica(this.host.docker, pod);
    this.host.emitEvent('Warning', 'Killing', `replica/${name}`, 'killed on request (SIGKILL)');
    return `replica/${name} killed`;
  }

  private requireDeployment(name: string): DeploymentSpec {
    const stack = this.host.stack();
    const d = stack.deployments.find((x) => x.name === name);
    if (!d) {
      throw new Error(
        `no deployment "${name}" in stack ${stack.name} (deployments: ${stack.deployments.map((x) => x.name).join(', ') || 'none'})`,
      );
    }
    return d;
  }

  private async findPod(name: string): Promise<ObservedPod> {
    const stack = this.host.stack();
    const pod = (await observeStack(this.host.docker, stack.name)).find((p) => p.replica === name);
    if (!pod) throw new Error(`no replica "${name}" in stack ${stack.name}`);
    return pod;
  }
}

/** The kinds `kubectl scale` works on. */
export const SCALABLE: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];
/** The kinds `kubectl rollout restart` works on. */
export const RESTARTABLE: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Throws kubectl's kind of refusal when `d`'s kind does not take this intent. */
export function requireKind(d: DeploymentSpec, kinds: readonly WorkloadKind[], verb: 'scale' | 'restart'): void {
  const kind = d.kind ?? 'Deployment';
  if (kinds.includes(kind)) return;
  const what = verb === 'scale' ? 'scaled' : 'restarted (rollout restart)';
  const why =
    kind === 'DaemonSet'
      ? 'it runs one pod per matching node'
      : kind === 'Pod'
        ? 'a bare Pod is one pod; delete and re-create it instead'
        : kind === 'ReplicaSet' || kind === 'ReplicationController'
          ? 'its template never rolls; scale it to 0 and back instead'
          : '';
  throw new Error(
    `${kind} "${d.name}" cannot be ${what}${why ? `: ${why}` : ''} (${verb} works on ${kinds.join(', ')})`,
  );
}

/** How events and messages name a workload: deployment/web, statefulset/db, ... */
export function objectOf(d: Pick<DeploymentSpec, 'kind' | 'name'>): string {
  return `${(d.kind ?? 'Deployment').toLowerCase()}/${d.name}`;
}
