// The thin Docker side of a replica's lifecycle: create+start, restart in place,
// graceful stop (preStop hooks first), remove. Every call acts on containers that
// carry the stack's labels; nothing here looks containers up by name alone.
import type Docker from 'dockerode';
import type { DockerApi } from '../docker/api';
import { statusCodeOf, throwIfCancelled } from '../util/errors';
import type { ObservedContainer, ObservedPod } from '../docker/observe';

/** A failed operation on one replica, reported on the replica with the kubelet's reason. */
export class ReplicaError extends Error {
  constructor(
    readonly replica: string,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReplicaError';
  }
}

export interface CreatedReplica {
  ids: string[];
}

/** Creates and starts the replica's containers in order (sidecars join the first one's network namespace). */
/** `signal` is checked between containers; a cancelled create removes what it made. */
export async function createReplica(
  docker: DockerApi,
  opts: Docker.ContainerCreateOptions[],
  signal?: AbortSignal,
): Promise<CreatedReplica> {
  const ids: string[] = [];
  try {
    for (const o of opts) {
      throwIfCancelled(signal, 'the controller stopped before the replica was created');
      const c = await docker.createContainer(o);
      ids.push(c.id);
      await c.start();
    }
  } catch (e) {
    // Leave nothing half-made behind: a later reconcile creates the replica afresh.
    await Promise.all(
      ids.map(
        (id) =>
          docker
            .getContainer(id)
            .remove({ force: true })
            .catch(() => undefined), // best effort: a container left behind is replaced by the next reconcile
      ),
    );
    throw e;
  }
  return { ids };
}

/**
 * Starts the stopped containers of a replica again (Kubernetes restarts containers in place).
 * A sandbox that died took the pod's network with it: then every container is restarted after it.
 */
export async function restartReplica(docker: DockerApi, pod: ObservedPod): Promise<void> {
  const sandboxDown = !!pod.sandbox && pod.sandbox.state !== 'running';
  if (sandboxDown) {
    await Promise.all(pod.containers.map((c) => docker.getContainer(c.id).stop({ t: 0 }).catch(ignoreGone)));
    await start(docker, pod.sandbox!);
  }
  for (const c of pod.containers) {
    if (c.state === 'running' && !sandboxDown) continue;
    await start(docker, c);
  }
}

async function start(docker: DockerApi, c: ObservedContainer): Promise<void> {
  await docker
    .getContainer(c.id)
    .start()
    .catch((e: unknown) => {
      if (statusCodeOf(e) !== 304) throw e; // 304: already started
    });
}

/** Runs a container's preStop hook within `budgetMs` (see PodLifecycle.preStop). */
export type PreStopRunner = (c: ObservedContainer, budgetMs: number) => Promise<void>;

/** The kubelet's floor: a container always gets this long after SIGTERM, whatever preStop took. */
const MIN_GRACE_AFTER_HOOK = 2;

/**
 * As the kubelet kills a pod's containers (in parallel): the preStop hook first (when `preStop`
 * is given), within the grace period; then SIGTERM (the image's stop signal) and, after what
 * remains of the grace period (at least 2 s when a hook ran), SIGKILL; Docker does that last
 * sequence. The sandbox goes last.
 */
export async function stopReplica(
  docker: DockerApi,
  pod: ObservedPod,
  graceSeconds: number,
  preStop?: PreStopRunner,
): Promise<void> {
  // Sidecars first, the network-owning container last, as the kubelet tears a pod down.
  const order = [...pod.containers].reverse();
  await Promise.all(
    order.map(async (c) => {
      if (c.state !== 'running') return;
      let grace = graceSeconds;
      if (preStop && grace > 0) {
        const started = Date.now();
        await preStop(c, grace * 1000);
        const spent = Math.floor((Date.now() - started) / 1000);
        if (spent > 0) grace = Math.max(MIN_GRACE_AFTER_HOOK, grace - spent);
      }
      await docker.getContainer(c.id).stop({ t: grace }).catch(ignoreGone);
    }),
  );
  if (pod.sandbox?.state === 'running') await docker.getContainer(pod.sandbox.id).stop({ t: 0 }).catch(ignoreGone);
}

/** Removes the replica's containers, init containers and sandbox included (its pod volumes: PodLifecycle.removed). */
export async function removeReplica(docker: DockerApi, pod: ObservedPod): Promise<void> {
  const all = [...pod.containers].reverse().concat(pod.initContainers ?? [], pod.sandbox ? [pod.sandbox] : []);
  for (const c of all) {
    await docker.getContainer(c.id).remove({ force: true, v: true }).catch(ignoreGone);
  }
}

export async function killReplica(docker: DockerApi, pod: ObservedPod): Promise<void> {
  await Promise.all(
    pod.containers.map((c) => (c.state === 'running' ? docker.getContainer(c.id).kill().catch(ignoreGone) : undefined)),
  );
}

function ignoreGone(e: unknown): void {
  // 304: already stopped; 404: already removed; 409: removal already in progress.
  const code = statusCodeOf(e);
  if (code !== 304 && code !== 404 && code !== 409) throw e;
}
