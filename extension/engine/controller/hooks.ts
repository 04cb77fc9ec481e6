// Where the controller's collaborators plug in: probes (readiness, liveness), the
// Service load balancers and the autoscaler. The controller works without any of
// them (a running replica is then Ready), which keeps its own tests small.
import type Docker from 'dockerode';
import type { DockerApi } from '../docker/api';
import type { Clock } from '../util/clock';
import type { ControllerRateLimits } from './rate-limiter';
import type { EngineEvent, HpaStatus, StackStatus } from '../api/protocol';
import type { ObservedPod } from '../docker/observe';
import type { DeploymentSpec, StackSpec } from '../model/types';
import type { PodNetwork } from './pod-network';
import type { PodContext, ReplicaPlacement } from './pod-spec';
import type { PreStopRunner } from './replica-ops';
import type { EndpointTarget } from './status';

/** Readiness and liveness come from here once wired; without it a running replica is Ready. */
export interface HealthMonitor {
  /** Start probing a running replica; idempotent. */
  watch(pod: ObservedPod, d: DeploymentSpec): void;
  unwatch(replica: string): void;
  /** Docker removed this container: a watch probing it ends (a successor is watched by the next pass). */
  containerGone(id: string): void;
  stop(): void;
}

/**
 * What a pod needs beyond its containers (pod-lifecycle.ts): volumes and their files, a sandbox,
 * init containers, lifecycle hooks. Without it a replica is its containers (containerOptions) alone.
 */
export interface PodLifecycle {
  /**
   * Makes and starts a replica; a PodSetupError says why it cannot (it becomes a Pending reason).
   * A pod with init containers resolves once it exists; its initialization runs on (initializing).
   */
  start(
    ctx: PodContext,
    d: DeploymentSpec,
    p: ReplicaPlacement,
    signal: AbortSignal,
    onHook?: () => void,
  ): Promise<void>;
  /** The replica's init containers are still running (it has no app container yet, and is not an orphan). */
  initializing(replica: string): boolean;
  /** Runs a container's preStop hook before it is stopped; undefined when the pod has none. */
  preStop(pod: ObservedPod): PreStopRunner | undefined;
  /** After a replica's containers are removed: what it had beside them (its pod volumes). */
  removed(pod: ObservedPod): Promise<void>;
  /** Each pass, with the deployment's replicas: keeps their mounted ConfigMap and Secret files current. */
  sync(pods: ObservedPod[], d: DeploymentSpec, ctx: PodContext, hash: string): void;
  /** Adds what status cannot see in Docker (an init container's back-off). */
  decorate(status: StackStatus, pods: readonly ObservedPod[], now: number): void;
}

/** Receives each Service's Ready endpoints whenever they change (the balancer). */
export interface EndpointSink {
  update(stack: StackSpec, endpoints: Map<string, EndpointTarget[]>): void;
  /** Open/close listeners to match the stack's Services. */
  applyServices?(stack: StackSpec): Promise<void>;
  /** Add URLs and connection counters to a status. */
  decorate?(stack: StackSpec, status: StackStatus): StackStatus;
  close?(graceMs: number): Promise<void>;
}

/** How pods find Services (ClusterIPs and cluster DNS, from the in-network proxy). */
export interface ClusterNetwork {
  /** Undefined until known; replicas are then made in the alias layout. */
  podNetwork(): PodNetwork | undefined;
}

/** HPA decisions and container usage (the autoscaling loop). */
export interface Autoscaling {
  start(): void;
  reload(): void;
  stop(): void;
  status(deployment: string): HpaStatus | undefined;
  usage(containerId: string): { cpuPercent: number; memoryBytes: number } | undefined;
  /** A view shows these replicas: read their usage while it keeps asking (a lease it renews). */
  requestUsage?(replicas: readonly string[]): void;
}

export interface ControllerOptions<D extends DockerApi = Docker> {
  docker: D;
  stack: StackSpec;
  imageIds?: Record<string, string>;
  nodes: StackSpec['nodes'];
  /** Injected time for tests (`clock` also drives the work queue's timers). */
  now?: () => number;
  clock?: Clock;
  /** Retry limits of the work queue (tests lower them). */
  rateLimits?: Partial<ControllerRateLimits>;
}

export interface ControllerEvents {
  event: [EngineEvent];
  changed: [];
}
