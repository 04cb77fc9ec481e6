// The thin Docker side of a replica's lifecycle: create+start, restart in place,
// graceful stop, remove. Every call acts on containers that carry the stack's
// labels; nothing here looks containers up by name alone.
import type Docker from 'dockerode';
import type { DockerApi } from '../docker/api';
import { statusCodeOf, throwIfCancelled } from '../util/errors';
import type { ObservedPod } from '../docker/observe';

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

/** Starts the stopped containers of a replica again (Kubernetes restarts containers in place). */
export async function restartReplica(docker: DockerApi, pod: ObservedPod): Promise<void> {
  for (const c of pod.containers) {
    if (c.state === 'running') continue;
    await docker
      .getContainer(c.id)
      .start()
      .catch((e: unknown) => {
        if (statusCodeOf(e) !== 304) throw e; // 304: already started
      });
  }
}

/** SIGTERM (the image's stop signal), wait up to `graceSeconds`, then SIGKILL; Docker does the sequence. */
export async function stopReplica(docker: DockerApi, pod: ObservedPod, graceSeconds: number): Promise<void> {
  // Sidecars first, the network-owning container last, as the kubelet tears a pod down.
  const order = [...pod.containers].reverse();
  await Promise.all(
    order.map((c) =>
      c.state === 'running' ? docker.getContainer(c.id).stop({ t: graceSeconds }).catch(ignoreGone) : undefined,
    ),
  );
}

export async function removeReplica(docker: DockerApi, pod: ObservedPod): Promise<void> {
  for (const c of [...pod.containers].reverse()) {
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
