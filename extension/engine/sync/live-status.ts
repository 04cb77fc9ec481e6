// Status of live update per replica: whether it runs its image as built or the image plus the
// files live update synced into it (and which set, by hash). Only replicas of images whose
// build has live update get the field; status --json only gains it.
import type { StackStatus } from '../api/protocol';
import type { ObservedPod } from '../docker/observe';
import type { StackSpec } from '../model/types';
import type { LiveFiles } from './live-files';

/** The ids of the images whose builds have live update. */
export function liveImageIds(stack: StackSpec, imageIds: Readonly<Record<string, string>>): Set<string> {
  return new Set(stack.builds.flatMap((b) => (b.liveUpdate && imageIds[b.image] ? [imageIds[b.image]] : [])));
}

export function decorateLive(
  status: StackStatus,
  pods: readonly ObservedPod[],
  live: LiveFiles,
  ids: Set<string>,
): void {
  if (!ids.size) return;
  const byReplica = new Map(pods.map((p) => [p.replica, p]));
  for (const d of [...status.deployments, ...(status.jobs ?? [])]) {
    for (const r of d.replicas) {
      const mine = byReplica.get(r.name)?.containers.filter((c) => ids.has(c.image)) ?? [];
      if (!mine.length) continue;
      const held = mine.map((c) => live.heldBy(c.id)).find((h) => h !== undefined);
      r.liveUpdate = held ? { state: 'synced', hash: held.hash, files: held.files } : { state: 'built' };
    }
  }
}
