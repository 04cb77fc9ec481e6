// The thin Docker side of a replica's lifecycle: create+start, restart in place,
// graceful stop, remove. Every call acts on containers that carry the stack's
// labels; nothing here looks containers up by name alone.
import type Docker from 'dockerode';
import type { ObservedPod } from '../docker/observe';

export interface CreatedReplica {
  ids: string[];
}

/** Creates and starts the replica's containers in order (sidecars join the first one's network namespace). */
export async function createReplica(docker: Docker, opts: Docker.ContainerCreateOptions[]): Promise<CreatedReplica> {
  const ids: string[] = [];
  try {
    for (const o of opts) {
      const c = await docker.createContainer(o);
      ids.push(c.id);
      await c.start();
    }
  } catch (e) {
    // Leave nothing half-made behind: a later reconcile creates the replica afresh.
    await Promise.all(
      ids.map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    throw e;
  }
  return { ids };
}

/** Starts the stopped containers of a replica again (Kubernetes restarts containers in place). */
export async function restartReplica(docker: Docker, pod: ObservedPod): Promise<void> {
  for (const c of pod.containers) {
    if (c.state === 'running') continue;
    await docker
      .getContainer(c.id)
      .start()
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 304) throw e; // 304: already started
      });
  }
}

/** SIGTERM (the image's stop signal), wait up to `graceSeconds`, then SIGKILL; Docker does the sequence. */
export async function stopReplica(docker: Docker, pod: ObservedPod, graceSeconds: number): Promise<void> {
  // Sidecars first, the network-owning container last, as the kubelet tears a pod down.
  const order = [...pod.containers].reverse();
  await Promise.all(
    order.map((c) =>
      c.state === 'running' ? docker.getContainer(c.id).stop({ t: graceSeconds }).catch(ignoreGone) : undefined,
    ),
  );
}

export async function removeReplica(docker: Docker, pod: ObservedPod): Promise<void> {
  for (const c of [...pod.containers].reverse()) {
    await docker.getContainer(c.id).remove({ force: true, v: true }).catch(ignoreGone);
  }
}

export async function killReplica(docker: Docker, pod: ObservedPod): Promise<void> {
  await Promise.all(
    pod.containers.map((c) => (c.state === 'running' ? docker.getContainer(c.id).kill().catch(ignoreGone) : undefined)),
  );
}

function ignoreGone(e: { statusCode?: number }): void {
  // 304: already stopped; 404: already removed; 409: removal already in progress.
  if (e.statusCode !== 304 && e.statusCode !== 404 && e.statusCode !== 409) throw e;
}
