// Live update on save: the files a batch of saves changed, when every one of them matches a
// build's sync rule (and none its rebuildOn), are copied into every running replica of the
// image through the Engine API's archive endpoint (one archive, built once, every replica at
// once), deletions removed, then the build's restart rule runs; a restart in place copies
// while the old process stops. Anything else (a manifest, the stack file, a Dockerfile, a
// file no rule syncs) takes the rebuild-and-roll path, as does a build whose sync failed on
// any replica.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { podPhase, type ObservedPod } from '../docker/observe';
import { observeStack } from '../docker/observe';
import { dockerExec } from '../health/checks';
import { syncDecision } from '../model/live-update';
import type { BuildSpec, LiveUpdateSpec, StackSpec } from '../model/types';
import { errorMessage, statusCodeOf } from '../util/errors';
import { deleteFiles, filesArchive, putFiles, type LiveFiles, type SyncedFile } from './live-files';

/** What a batch of saves asks for: copies per build, or a reload (rebuild and roll). */
export type LivePlan = { kind: 'sync'; builds: Map<BuildSpec, Map<string, string>> } | { kind: 'reload' };

/** One build's sync: how it went. */
export interface SyncOutcome {
  image: string;
  files: number;
  replicas: number;
  ms: number;
  /** The overlay hash the replicas hold now. */
  hash: string;
  /** Set when a replica could not take the files: the build falls back to rebuild and roll. */
  failed?: string;
}

/** What the sync needs of the controller. */
export interface LiveHost {
  docker: Docker;
  stack: StackSpec;
  live: LiveFiles;
  imageId(image: string): string | undefined;
  /**
   * A replica that must take the files: one of a long-running workload, not being removed. A
   * Job's pod runs to completion on what it started with; one started later gets the files.
   */
  takesFiles(pod: ObservedPod): boolean;
  /**
   * Restarts a replica's containers in place, keeping their writable layer; readiness is the
   * probes' again. `whileStopping` (the copy) runs as each container stops; it starts after both.
   */
  restartInPlace(
    pod: ObservedPod,
    containerIds: string[],
    whileStopping?: (id: string) => Promise<void>,
  ): Promise<void>;
}

/**
 * Decides a batch: sync when every changed file is in a live-update build's context and its
 * sync rules take it (each file → its container path, per build); reload otherwise.
 */
export function planBatch(stack: StackSpec, files: readonly string[], built: (image: string) => boolean): LivePlan {
  const builds = new Map<BuildSpec, Map<string, string>>();
  for (const file of files) {
    if (file === stack.file || stack.manifestFiles.includes(file)) return { kind: 'reload' };
    if ((stack.kustomize ?? []).some((k) => file.startsWith(k.dir + path.sep) || k.sources.includes(file))) {
      return { kind: 'reload' };
    }
    const owners = stack.builds.filter((b) => file === b.dockerfile || file.startsWith(b.context + path.sep));
    if (!owners.length) return { kind: 'reload' };
    for (const b of owners) {
      if (!b.liveUpdate || file === b.dockerfile || !built(b.image)) return { kind: 'reload' };
      const rel = path.relative(b.context, file).split(path.sep).join('/');
      const d = syncDecision(b.liveUpdate, rel);
      if (d === 'rebuild') return { kind: 'reload' };
      let m = builds.get(b);
      if (!m) builds.set(b, (m = new Map()));
      m.set(d.dest, file);
    }
  }
  return { kind: 'sync', builds };
}

/** Reads what each changed file is now: its bytes and mode, or null when it is gone. */
async function readChanges(files: Map<string, string>): Promise<Map<string, SyncedFile>> {
  const out = new Map<string, SyncedFile>();
  await Promise.all(
    [...files].map(async ([dest, file]) => {
      try {
        const st = await fsp.stat(file);
        if (st.isDirectory()) return; // its files come as their own events
        out.set(dest, { content: await fsp.readFile(file), mode: st.mode & 0o7777 });
      } catch {
        out.set(dest, null); // deleted (or gone since the event): delete it in the replicas
      }
    }),
  );
  return out;
}

/** Syncs one build's changed files into every running replica of its image, then restarts as its rule says. */
export async function syncBuild(host: LiveHost, b: BuildSpec, files: Map<string, string>): Promise<SyncOutcome> {
  const started = Date.now();
  const lu: LiveUpdateSpec = b.liveUpdate ?? { sync: [], rebuildOn: [] };
  const imageId = host.imageId(b.image);
  let count = files.size;
  const outcome = (replicas: number, hash: string, failed?: string): SyncOutcome => ({
    image: b.image,
    files: count,
    replicas,
    ms: Date.now() - started,
    hash,
    failed,
  });
  if (!imageId) return outcome(0, '', `${b.image} has not been built`);
  const changes = await readChanges(files);
  count = changes.size; // folders come as their files
  // Added first: a replica created from now on starts with these files too.
  const previous = host.live.overlay(imageId);
  const overlay = host.live.add(imageId, changes);
  const pods = await observeStack(host.docker, host.stack.name);
  const targets = pods
    .filter((p) => host.takesFiles(p))
    .map((p) => ({ pod: p, ids: p.containers.filter((c) => c.image === imageId).map((c) => c.id) }))
    .filter((t) => t.ids.length > 0);
  const archive = await filesArchive(changes);
  const copy = (id: string) => putFiles(host.docker, id, archive);
  const deletions = [...changes.values()].some((f) => f === null);
  const results = await Promise.allSettled(
    targets.map(async ({ pod, ids }) => {
      if (podPhase(pod) !== 'running') throw new Error(`replica ${pod.replica} is not running`);
      if (lu.restart && 'process' in lu.restart && !deletions) {
        // The process restarts anyway: copy while the old one stops (no running container needed).
        await host.restartInPlace(pod, ids, copy);
      } else {
        // Deleting is an exec: it needs the container running, so everything happens first.
        await Promise.all(
          ids.map(async (id) => {
            await copy(id);
            await deleteFiles(host.docker, id, changes);
          }),
        );
        await restart(host, lu, pod, ids);
      }
      for (const id of ids) host.live.markHeld(id, overlay);
    }),
  );
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`replica ${targets[i].pod.replica}: ${errorMessage(r.reason)}`] : [],
  );
  // A failed sync falls back to a rebuild; until it lands, new replicas start as before this batch
  // (a replica that could not take the files, such as a read-only root, could not start with them).
  if (failures.length) host.live.restore(imageId, previous);
  return outcome(targets.length, overlay.hash, failures.length ? failures.join('; ') : undefined);
}

async function restart(host: LiveHost, lu: LiveUpdateSpec, pod: ObservedPod, ids: string[]): Promise<void> {
  const r = lu.restart;
  if (!r) return;
  if ('signal' in r) {
    await Promise.all(ids.map((id) => host.docker.getContainer(id).kill({ signal: r.signal })));
  } else if ('exec' in r) {
    await Promise.all(
      ids.map(async (id) => {
        const res = await dockerExec(host.docker, id, r.exec, 60_000);
        if (res.timedOut || res.exitCode !== 0) {
          throw new Error(
            `restart command ${JSON.stringify(r.exec)} ${res.timedOut ? 'timed out' : `exited ${res.exitCode}`}`,
          );
        }
      }),
    );
  } else {
    await host.restartInPlace(pod, ids);
  }
}

/**
 * `docker restart` of one container, with `whileStopping` (the copy) run as it stops, so the
 * new process starts on the new files without waiting for the copy first. It starts again
 * even when the copy failed: the replica serves what it had until the rebuild replaces it.
 */
export async function restartContainer(
  docker: Docker,
  id: string,
  graceSeconds: number,
  whileStopping?: (id: string) => Promise<void>,
): Promise<void> {
  const c = docker.getContainer(id);
  if (!whileStopping) {
    await c.restart({ t: graceSeconds });
    return;
  }
  const [stopped, copied] = await Promise.allSettled([
    c.stop({ t: graceSeconds }).catch(unlessNotModified),
    whileStopping(id),
  ]);
  await c.start().catch(unlessNotModified);
  for (const r of [stopped, copied]) if (r.status === 'rejected') throw r.reason;
}

/** 304: already stopped, or already started. */
function unlessNotModified(e: unknown): void {
  if (statusCodeOf(e) !== 304) throw e;
}
