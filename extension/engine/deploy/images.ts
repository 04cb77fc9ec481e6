// Images for a deploy target: the stack's images are built on an engine (the swarm manager, or the local
// engine for `render`), tagged by the content hash of their build inputs and pushed to a registry every node
// or cluster pulls from. The result maps each manifest image to its pushed reference by digest, so what runs is
// exactly what was built. Images the stack does not build but the engine has are pushed too (a base image
// built locally, say), so no node needs anything but the registry.
import type Dockerode from 'dockerode';
import { buildImage, withTag } from '../build';
import type { StackSpec } from '../model/types';

export interface PushedImage {
  /** As the manifests name it. */
  image: string;
  /** registry/repo:tag pushed. */
  tag: string;
  /** registry/repo@sha256:… */
  ref: string;
  built: boolean;
}

export interface PushOptions {
  registry: string;
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

/** The repository an image gets in the registry: its path without any registry host and without its tag. */
export function registryRepo(registry: string, image: string): string {
  let path = image.split('@')[0];
  const slash = path.lastIndexOf('/');
  const colon = path.lastIndexOf(':');
  if (colon > slash) path = path.slice(0, colon);
  const first = path.split('/')[0];
  if (path.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    path = path.slice(first.length + 1);
  }
  return `${registry}/${path}`;
}

/** Every image a stack's workloads run. */
export function stackImages(stack: StackSpec): string[] {
  const out = new Set<string>();
  for (const d of stack.deployments) for (const c of d.template.containers) out.add(c.image);
  return [...out];
}

/** Builds the stack's images on `docker`, pushes them and the other local images it runs; returns image → pushed. */
export async function buildAndPush(
  docker: Dockerode,
  stack: StackSpec,
  opts: PushOptions,
): Promise<Map<string, PushedImage>> {
  const out = new Map<string, PushedImage>();
  await Promise.all(
    stack.builds.map(async (b) => {
      const res = await buildImage(docker, b, {
        stack: stack.name,
        stackDir: stack.dir,
        onOutput: (l) => opts.onOutput?.(`[build ${b.image}] ${l}`),
        signal: opts.signal,
      });
      const tag = `${registryRepo(opts.registry, b.image)}:${res.hash.slice(0, 16)}`;
      const ref = await tagAndPush(docker, res.id, tag, opts);
      const pushed = { image: b.image, tag, ref, built: true };
      out.set(b.image, pushed);
      out.set(withTag(b.image), pushed);
    }),
  );
  for (const image of stackImages(stack)) {
    if (out.has(image)) continue;
    // Not a local image (inspect says 404): it is a registry image, handled just below.
    const local = await docker
      .getImage(image)
      .inspect()
      .catch(() => undefined);
    if (!local) continue; // a registry image: every node pulls it from where it lives
    const tag = `${registryRepo(opts.registry, image)}:${local.Id.slice(7, 23)}`;
    out.set(image, { image, tag, ref: await tagAndPush(docker, local.Id, tag, opts), built: false });
  }
  return out;
}

/** Tags an image and pushes it; returns the pushed reference by digest. */
export async function tagAndPush(docker: Dockerode, imageId: string, tag: string, opts: PushOptions): Promise<string> {
  const colon = tag.lastIndexOf(':');
  const repo = tag.slice(0, colon);
  const version = tag.slice(colon + 1);
  await docker.getImage(imageId).tag({ repo, tag: version });
  const stream: NodeJS.ReadableStream = await docker.getImage(tag).push({ tag: version, authconfig: {} });
  const digest = await new Promise<string>((resolve, reject) => {
    let found = '';
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) reject(new Error(`push of ${tag} failed: ${err.message}`));
        else if (!found) reject(new Error(`push of ${tag} reported no digest`));
        else resolve(found);
      },
      (e: { aux?: { Digest?: string }; error?: string; status?: string }) => {
        if (e.error) opts.onOutput?.(`[push ${tag}] ${e.error}`);
        if (typeof e.aux?.Digest === 'string') found = e.aux.Digest;
      },
    );
  });
  opts.onOutput?.(`pushed ${tag} (${digest.slice(0, 19)})`);
  return `${repo}@${digest}`;
}
