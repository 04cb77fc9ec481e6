// Makes a replica's volumes and writes their files through the Engine API.
//
// Files reach a named volume through a writer: a container of the pause image that mounts
// the volumes read-write and is never started; the archive endpoint (PUT
// /containers/{id}/archive) extracts a tar into its mounts, then the writer is removed.
// This works on any engine the API reaches (no host paths, no shell in the user's image),
// and it is how a changed ConfigMap reaches running pods: the app containers mount the
// same volume read-only and see the new ..data as soon as it is switched.
//
// A tar entry that exists is replaced (a directory has its mode and owner re-applied),
// which is how roots get their mode and fsGroup, and how ..data moves to a new data dir.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { ContextEntry } from '../build/context';
import { tarStream } from '../build/tar';
import { dataDirName, topLevelNames, type PlannedVolume } from '../controller/pod-volumes';
import { LABELS } from './labels';
import { ensurePauseImage } from './pause-image';
import { createPodVolume, provideClaimVolume } from './volumes';

/** A pod that cannot start because a volume cannot be set up (Kubernetes' FailedMount). */
export class PodSetupError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where the writer mounts each volume. */
const BASE = '.flotilla-volumes';
const SUBPATH_DIR_MODE = 0o777;

export interface PreparedVolumes {
  /** Docker volume name → its path on the engine's host (only for volumes mounted with a subPath). */
  mountpoints: Record<string, string>;
}

/**
 * Creates the replica's volumes (claims if missing, pod volumes), writes files, sets root
 * modes and groups, creates subPath directories in pod volumes, and returns the host paths
 * subPath mounts bind. Throws PodSetupError for a volume the pod cannot have.
 */
export async function prepareVolumes(
  docker: Docker,
  stack: string,
  replica: string,
  planned: PlannedVolume[],
  subPaths: { volume: string; path: string }[],
): Promise<PreparedVolumes> {
  const failed = planned.find((v) => v.error);
  if (failed) {
    throw new PodSetupError('FailedMount', `MountVolume.SetUp failed for volume "${failed.name}" : ${failed.error}`);
  }
  const entries: ContextEntry[] = [];
  const fsRoots: { v: PlannedVolume; gid: number }[] = [];
  for (const v of planned) {
    if (!v.dockerName) continue;
    let root = v.root;
    if (v.claim) {
      const { created } = await provideClaimVolume(docker, stack, v.claim);
      // A fresh claim is world-writable, as dev clusters' local provisioners make them; an existing
      // one keeps its mode (a database may insist on 0700) unless fsGroup asks for group access.
      if (root?.gid !== undefined && !created) fsRoots.push({ v, gid: root.gid });
      if (created) root = { mode: (root?.mode ?? 0) | 0o777, gid: root?.gid };
      else root = undefined;
    } else {
      await createPodVolume(docker, stack, replica, v.name, v.driverOpts);
    }
    // A tmpfs lives only while mounted: its mode, size and group are mount options (see pod-volumes.ts).
    if (v.driverOpts?.type === 'tmpfs') continue;
    if (root) entries.push(dir(`${BASE}/${v.name}`, root.mode, root.gid));
    if (v.files) entries.push(...fileEntries(`${BASE}/${v.name}`, v.files, root?.gid));
    if (!v.claim) {
      for (const s of subPaths.filter((x) => x.volume === v.name)) {
        if (v.files) continue; // a subPath of a file volume names one of its files
        let p = '';
        for (const part of s.path.split('/').filter(Boolean)) {
          p = p ? `${p}/${part}` : part;
          entries.push(dir(`${BASE}/${v.name}/${p}`, v.root?.mode ?? SUBPATH_DIR_MODE, v.root?.gid));
        }
      }
    }
  }
  if (entries.length || fsRoots.length) {
    await withWriter(docker, stack, planned, async (w) => {
      for (const { v, gid } of fsRoots) {
        const mode = await pathMode(w, `/${BASE}/${v.name}`);
        // The kubelet's SetVolumeOwnership on the root: group fsGroup, group rwx, setgid.
        entries.unshift(dir(`${BASE}/${v.name}`, (mode ?? 0o755) | 0o2770, gid));
      }
      await w.putArchive(tarStream(entries), { path: '/' });
    });
  }
  const mountpoints: Record<string, string> = {};
  for (const name of new Set(subPaths.map((s) => s.volume))) {
    const v = planned.find((x) => x.name === name);
    if (!v?.dockerName) continue;
    const info = await docker.getVolume(v.dockerName).inspect();
    mountpoints[v.dockerName] = info.Mountpoint;
  }
  return { mountpoints };
}

/**
 * Writes a file volume's current files if they changed: a new data dir named after the
 * content, then ..data and the top-level links switched to it. Returns whether it wrote.
 */
export async function updateVolumeFiles(docker: Docker, stack: string, v: PlannedVolume): Promise<boolean> {
  if (!v.dockerName || !v.files || v.error) return false;
  const files = v.files;
  const want = dataDirName(files);
  return withWriter(docker, stack, [v], async (w) => {
    const current = await linkTarget(w, `/${BASE}/${v.name}/..data`);
    if (current !== undefined && current.split('/').pop() === want) return false;
    await w.putArchive(tarStream(fileEntries(`${BASE}/${v.name}`, files, v.root?.gid)), { path: '/' });
    return true;
  });
}

/** The files in the atomic writer's layout under `root`: data dir, ..data link, top-level links. */
export function fileEntries(root: string, files: PlannedVolume['files'] & object, gid?: number): ContextEntry[] {
  const data = dataDirName(files);
  const out: ContextEntry[] = [dir(`${root}/${data}`, 0o755, gid)];
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) out.push(dir(`${root}/${data}/${d}`, 0o755, gid));
      dirs.add(d);
    }
    out.push({
      path: `${root}/${data}/${f.path}`,
      type: 'file',
      mode: f.mode,
      size: f.content.length,
      content: f.content,
      gid,
    });
  }
  // ..data last but before the top-level links, so readers never follow it into a half-written dir.
  out.push({ path: `${root}/..data`, type: 'symlink', mode: 0o777, size: 0, linkTarget: data, gid });
  for (const name of topLevelNames(files)) {
    out.push({ path: `${root}/${name}`, type: 'symlink', mode: 0o777, size: 0, linkTarget: `..data/${name}`, gid });
  }
  return out;
}

function dir(path: string, mode: number, gid?: number): ContextEntry {
  return { path, type: 'dir', mode, size: 0, gid };
}

interface Writer {
  putArchive(tar: Readable, opts: { path: string }): Promise<void>;
  container: Docker.Container;
}

async function withWriter<T>(
  docker: Docker,
  stack: string,
  volumes: PlannedVolume[],
  fn: (w: Writer) => Promise<T>,
): Promise<T> {
  const image = await ensurePauseImage(docker);
  const binds = volumes
    .filter((v) => v.dockerName && v.driverOpts?.type !== 'tmpfs')
    .map((v) => `${v.dockerName}:/${BASE}/${v.name}:rw,nocopy`);
  const c = await docker.createContainer({
    Image: image,
    Labels: { [LABELS.stack]: stack, [LABELS.role]: 'volume-writer' },
    NetworkDisabled: true,
    HostConfig: { Binds: binds, NetworkMode: 'none' },
  });
  try {
    return await fn({
      container: c,
      putArchive: async (tar, opts) => {
        await c.putArchive(tar, opts);
      },
    });
  } finally {
    // The write's own outcome is what the caller needs; a helper left behind is labelled and removed with the stack.
    await c.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/** Docker's path stat (X-Docker-Container-Path-Stat) for a path in the writer, or undefined if absent. */
async function pathStat(w: Writer, path: string): Promise<{ mode: number; linkTarget?: string } | undefined> {
  const res: unknown = await w.container.infoArchive({ path }).catch((e: { statusCode?: number }) => {
    if (e.statusCode === 404) return undefined;
    throw e;
  });
  if (!res || typeof res !== 'object' || !('headers' in res)) return undefined;
  const headers = res.headers as Record<string, string | undefined>;
  if ('resume' in res && typeof res.resume === 'function') res.resume();
  const raw = headers['x-docker-container-path-stat'];
  if (!raw) return undefined;
  const stat: unknown = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  if (!stat || typeof stat !== 'object' || !('mode' in stat) || typeof stat.mode !== 'number') return undefined;
  const linkTarget = 'linkTarget' in stat && typeof stat.linkTarget === 'string' ? stat.linkTarget : undefined;
  return { mode: stat.mode, linkTarget: linkTarget || undefined };
}

async function pathMode(w: Writer, path: string): Promise<number | undefined> {
  const s = await pathStat(w, path);
  // Go's os.FileMode: permission bits low, type and setgid flags high.
  return s ? s.mode & 0o777 : undefined;
}

async function linkTarget(w: Writer, path: string): Promise<string | undefined> {
  return (await pathStat(w, path))?.linkTarget;
}
