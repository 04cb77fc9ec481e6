// What live update has copied into the replicas of a built image since it was built: per
// image id, each synced container path with its content (or its deletion), and which
// containers hold that set. A replica created later (scale up, heal, a restart by the
// controller) gets the same files before its main process starts, so every replica of an
// image runs the same code. A rebuild gives a new image id, which starts with no files.
// Lost when the controller stops: the next `up` rebuilds the changed context anyway.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { tarBuffer } from '../build/tar';
import type { ContextEntry } from '../build/context';
import { dockerExec } from '../health/checks';

/** One synced path: its bytes and mode, or null once deleted. */
export type SyncedFile = { content: Buffer; mode: number } | null;

/** The synced files of one image, as status shows them. */
export interface Overlay {
  /** Container path → content (null: deleted). */
  files: ReadonlyMap<string, SyncedFile>;
  /** sha256 over the paths and contents, in path order: which set of files a replica holds. */
  hash: string;
}

export interface Held {
  hash: string;
  files: number;
}

export class LiveFiles {
  private readonly byImage = new Map<string, Overlay>();
  /** Container id → the overlay it holds (its hash and number of paths). */
  private readonly held = new Map<string, Held>();

  /** Adds changed files to an image's overlay; returns the new overlay. */
  add(imageId: string, changes: ReadonlyMap<string, SyncedFile>): Overlay {
    const files = new Map(this.byImage.get(imageId)?.files ?? []);
    for (const [p, f] of changes) files.set(p, f);
    const overlay = { files, hash: overlayHash(files) };
    this.byImage.set(imageId, overlay);
    return overlay;
  }

  /** Puts an image's overlay back as it was (a sync that failed: the rebuild takes over). */
  restore(imageId: string, previous: Overlay | undefined): void {
    if (previous) this.byImage.set(imageId, previous);
    else this.byImage.delete(imageId);
  }

  overlay(imageId: string): Overlay | undefined {
    return this.byImage.get(imageId);
  }

  /** The overlay a container holds; undefined: the image as built. */
  heldBy(containerId: string): Held | undefined {
    return this.held.get(containerId);
  }

  markHeld(containerId: string, o: Overlay): void {
    this.held.set(containerId, { hash: o.hash, files: o.files.size });
  }

  /**
   * A container just created from `imageId`, not yet started: copies the image's synced files
   * in, so its process starts on them. Deletions need the container running (see afterStart).
   */
  async beforeStart(docker: Docker, containerId: string, imageId: string): Promise<void> {
    const o = this.byImage.get(imageId);
    if (!o) return;
    await copyFiles(docker, containerId, o.files);
    if (![...o.files.values()].some((f) => f === null)) this.markHeld(containerId, o);
  }

  /** The same container once started: removes the files live update deleted. */
  async afterStart(docker: Docker, containerId: string, imageId: string): Promise<void> {
    const o = this.byImage.get(imageId);
    if (!o || this.held.get(containerId)?.hash === o.hash) return;
    await deleteFiles(docker, containerId, o.files);
    this.markHeld(containerId, o);
  }
}

/** Writes the files (not the deletions) of `files` into a container, created or running, in one archive. */
export async function copyFiles(
  docker: Docker,
  containerId: string,
  files: ReadonlyMap<string, SyncedFile>,
): Promise<void> {
  await putFiles(docker, containerId, await filesArchive(files));
}

/**
 * One tar of the files (not the deletions) of `files`, built once and written into any number
 * of containers; undefined when there is nothing to write.
 */
export async function filesArchive(files: ReadonlyMap<string, SyncedFile>): Promise<Buffer | undefined> {
  const entries: ContextEntry[] = [];
  for (const [p, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (f) {
      entries.push({
        path: p.replace(/^\/+/, ''),
        type: 'file',
        mode: f.mode,
        size: f.content.length,
        content: f.content,
      });
    }
  }
  if (!entries.length) return undefined;
  return tarBuffer(entries);
}

/** Extracts an archive of filesArchive at the container's root (nothing when there is none). */
export async function putFiles(docker: Docker, containerId: string, archive: Buffer | undefined): Promise<void> {
  if (archive) await docker.getContainer(containerId).putArchive(archive, { path: '/' });
}

/** Removes the deleted paths of `files` in a running container (the Engine API has no delete: an exec of rm). */
export async function deleteFiles(
  docker: Docker,
  containerId: string,
  files: ReadonlyMap<string, SyncedFile>,
): Promise<void> {
  const gone = [...files].filter(([, f]) => f === null).map(([p]) => p);
  if (!gone.length) return;
  const r = await dockerExec(docker, containerId, ['rm', '-rf', '--', ...gone], 30_000);
  if (r.timedOut || r.exitCode !== 0) {
    throw new Error(`removing ${gone.length} deleted file(s) failed: ${r.output.trim() || `exit ${r.exitCode}`}`);
  }
}

function overlayHash(files: ReadonlyMap<string, SyncedFile>): string {
  const h = createHash('sha256');
  for (const [p, f] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    h.update(path.posix.normalize(p)).update('\0');
    if (f) h.update(String(f.mode)).update('\0').update(createHash('sha256').update(f.content).digest());
    else h.update('deleted');
    h.update('\0');
  }
  return `sha256:${h.digest('hex')}`;
}
