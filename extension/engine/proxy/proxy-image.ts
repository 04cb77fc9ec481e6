// The proxy's image: the bundled program (dist/proxy.js) on a Node base image.
// The base is flotilla.local/node:20 when present (built from this machine's own
// node by extension/scripts/base-images.sh), else node:20-alpine, or what the user
// configures (FLOTILLA_PROXY_BASE_IMAGE). It must provide `node` and `ip`
// (busybox's or iproute2's). Stacks running the same program on the same base share one
// image, each with its own tag, so `down` takes the stack's tag away and the image goes
// with the last one; a build happens only for a new program or base.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { tarStream } from '../build/tar';
import { statusCodeOf } from '../util/errors';

export const PROXY_IMAGE_REPO = 'flotilla.local/proxy';
export const LOCAL_NODE_BASE = 'flotilla.local/node:20';
export const REGISTRY_NODE_BASE = 'node:20-alpine';
/** Label on the image: hash of the program and the base, so a stale tag is rebuilt. */
export const PROXY_IMAGE_LABEL = 'dev.flotilla.proxy-image';
/** Where the program sits in the image. */
export const PROXY_PROGRAM_PATH = '/flotilla/proxy.js';
/**
 * Node's flags for the proxy. Every GC pause stops every connection through it, and on a busy
 * machine a pause that loses its core lasts tens of ms (BENCHMARKS.md, "Services inside the
 * stack network"). A young generation of 16 MiB from the start (V8 starts at 1 MiB and grows it
 * only when many objects survive, which forwarding garbage never does) scavenges about a tenth as
 * often; GC on the main thread alone does not wait for helper threads the machine has descheduled.
 * The young generation's flags are not allowed in NODE_OPTIONS, hence the ENTRYPOINT.
 */
export const PROXY_NODE_FLAGS = ['--min-semi-space-size=16', '--max-semi-space-size=16', '--single-threaded-gc'];

let program: Promise<string> | undefined;

/**
 * The program's text: bundled from source with esbuild when the engine itself runs
 * from source (tests, `npx tsx`), so it is never stale; else dist/proxy.js beside
 * the running bundle.
 */
export function proxyProgram(): Promise<string> {
  program ??= loadProgram().catch((e: unknown) => {
    program = undefined;
    throw e;
  });
  return program;
}

async function loadProgram(): Promise<string> {
  const source = path.join(__dirname, 'main.ts');
  if (fs.existsSync(source)) {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    return out.outputFiles[0].text;
  }
  for (const candidate of [path.join(__dirname, 'proxy.js'), path.join(__dirname, '..', 'dist', 'proxy.js')]) {
    if (fs.existsSync(candidate)) return fs.promises.readFile(candidate, 'utf8');
  }
  throw new Error(`the Service proxy program (proxy.js) is missing next to ${__dirname}; run 'npm run build'`);
}

async function imageInfo(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (e) {
    if (statusCodeOf(e) === 404) return undefined;
    throw e;
  }
}

/** The configured base, else the local Node image when present, else the registry's Node image. */
export async function chooseProxyBase(
  docker: Docker,
  configured = process.env.FLOTILLA_PROXY_BASE_IMAGE,
): Promise<string> {
  if (configured) return configured;
  return (await imageInfo(docker, LOCAL_NODE_BASE)) ? LOCAL_NODE_BASE : REGISTRY_NODE_BASE;
}

export interface ProxyImageOptions {
  /** Full reference to tag, e.g. flotilla.local/proxy:shop or a registry's host:port/flotilla-proxy:TAG. */
  tag: string;
  base: string;
  /** Extra labels (the stack's, say). */
  labels?: Record<string, string>;
  onOutput?: (line: string) => void;
}

function proxyDockerfile(base: string): string {
  const entrypoint = JSON.stringify(['node', ...PROXY_NODE_FLAGS, PROXY_PROGRAM_PATH]);
  return [`FROM ${base}`, `COPY proxy.js ${PROXY_PROGRAM_PATH}`, `ENTRYPOINT ${entrypoint}`, 'CMD ["--help"]', ''].join(
    '\n',
  );
}

/** What makes a proxy image: the program, its Dockerfile, the base (by id when present) and the labels asked for. */
async function proxyImageHash(docker: Docker, baseRef: string, labels: Record<string, string> = {}): Promise<string> {
  const text = await proxyProgram();
  const base = await imageInfo(docker, baseRef);
  return createHash('sha256')
    .update(text)
    .update(`\n${proxyDockerfile(baseRef)}\n${base?.Id ?? ''}\n${JSON.stringify(labels)}`)
    .digest('hex')
    .slice(0, 16);
}

/** Builds (or finds) the proxy image; its ENTRYPOINT is `node FLAGS /flotilla/proxy.js`, arguments go in Cmd. */
export async function buildProxyImage(
  docker: Docker,
  opts: ProxyImageOptions,
): Promise<{ image: string; id: string; cached: boolean }> {
  const text = await proxyProgram();
  const hash = await proxyImageHash(docker, opts.base, opts.labels);
  const existing = await imageInfo(docker, opts.tag);
  if (existing && existing.Config?.Labels?.[PROXY_IMAGE_LABEL] === hash) {
    return { image: opts.tag, id: existing.Id, cached: true };
  }
  const dockerfile = proxyDockerfile(opts.base);
  const context = tarStream([
    { path: 'Dockerfile', type: 'file', mode: 0o644, size: 0, content: Buffer.from(dockerfile) },
    { path: 'proxy.js', type: 'file', mode: 0o644, size: 0, content: Buffer.from(text) },
  ]);
  const stream = await docker.buildImage(context, {
    t: opts.tag,
    labels: { ...opts.labels, [PROXY_IMAGE_LABEL]: hash },
    rm: true,
    forcerm: true,
  });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: { error?: string }[] | null) => {
        const failed = err?.message ?? out?.find((o) => o.error)?.error;
        if (failed) reject(new Error(`building the Service proxy image ${opts.tag} on ${opts.base}: ${failed}`));
        else resolve();
      },
      (ev: { stream?: string }) => {
        const line = ev.stream?.trimEnd();
        if (line) opts.onOutput?.(line);
      },
    );
  });
  const built = await imageInfo(docker, opts.tag);
  if (!built) throw new Error(`building the Service proxy image ${opts.tag}: no image after the build`);
  return { image: opts.tag, id: built.Id, cached: false };
}

/** The stack's proxy image reference. Docker tags allow [A-Za-z0-9_.-], 128 characters. */
export function stackProxyImage(stack: string): string {
  return `${PROXY_IMAGE_REPO}:${stack.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128)}`;
}

/**
 * The stack's proxy image: one image per program and base, shared by every stack that runs
 * it, each stack holding its own tag (so `down` takes the stack's away, and the image goes
 * with the last tag). A new stack only tags the image another built: no build on its `up`.
 */
export async function ensureStackProxyImage(docker: Docker, stack: string): Promise<{ image: string; id: string }> {
  const base = await chooseProxyBase(docker);
  const tag = stackProxyImage(stack);
  const hash = await proxyImageHash(docker, base);
  const existing = await imageInfo(docker, tag);
  if (existing?.Config?.Labels?.[PROXY_IMAGE_LABEL] === hash) return { image: tag, id: existing.Id };
  const [same] = await docker.listImages({ filters: { label: [`${PROXY_IMAGE_LABEL}=${hash}`] } });
  if (same) {
    const [repo, name] = [tag.slice(0, tag.lastIndexOf(':')), tag.slice(tag.lastIndexOf(':') + 1)];
    await docker.getImage(same.Id).tag({ repo, tag: name });
    return { image: tag, id: same.Id };
  }
  const built = await buildProxyImage(docker, { tag, base });
  return { image: built.image, id: built.id };
}

/** Untags the stack's proxy image (Docker deletes it when no other stack's tag shares it). */
export async function removeStackProxyImage(docker: Docker, stack: string): Promise<void> {
  const tag = stackProxyImage(stack);
  const info = await imageInfo(docker, tag);
  if (!info?.Config?.Labels?.[PROXY_IMAGE_LABEL]) return; // only a proxy image Flotilla labelled
  await docker
    .getImage(tag)
    .remove({ noprune: false })
    .catch((e: unknown) => {
      const code = statusCodeOf(e);
      if (code !== 404 && code !== 409) throw e; // gone, or still used by a container (then it stays)
    });
}
