// The local engine's image list, for "image neither built nor present" (FX1013). Docker may be
// absent: a short timeout and null (rule skipped) rather than an error. Cached briefly, since
// every keystroke revalidates the stack.
let cache: { at: number; images: Set<string> | null } | undefined;
const TTL_MS = 30_000;

/** socketPath: another engine (tests); the default engine's answer is cached. */
export async function localImages(timeoutMs = 1500, socketPath?: string): Promise<Set<string> | null> {
  if (socketPath) return query(timeoutMs, socketPath);
  if (cache && Date.now() - cache.at < TTL_MS) return cache.images;
  const images = await query(timeoutMs);
  cache = { at: Date.now(), images };
  return images;
}

async function query(timeoutMs: number, socketPath?: string): Promise<Set<string> | null> {
  try {
    // loaded lazily: dockerode pulls in ssh2 and friends, which the Dockerfile-only paths never need
    const Docker = (await import('dockerode')).default;
    const docker = new Docker({ timeout: timeoutMs, ...(socketPath ? { socketPath } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const list = await Promise.race([docker.listImages().catch(() => null), timeout]);
    clearTimeout(timer);
    if (!list) return null;
    const set = new Set<string>();
    for (const img of list) {
      for (const t of [...(img.RepoTags ?? []), ...(img.RepoDigests ?? [])]) if (t !== '<none>:<none>') set.add(t);
    }
    return set;
  } catch {
    return null;
  }
}

/**
 * `repo@sha256:…` for an image the local engine pulled (or pushed) under `ref`, so a floating tag
 * can be pinned to exactly what runs here; undefined when the engine has no registry digest for it
 * (images built locally have none) or cannot be asked.
 */
export async function localDigest(ref: string, timeoutMs = 1500, socketPath?: string): Promise<string | undefined> {
  try {
    const Docker = (await import('dockerode')).default;
    const docker = new Docker({ timeout: timeoutMs, ...(socketPath ? { socketPath } : {}) });
    const info = await docker.getImage(ref).inspect();
    const repo = repoOf(ref);
    const digests = info.RepoDigests ?? [];
    return digests.find((d) => repoOf(d) === repo) ?? undefined;
  } catch {
    return undefined; // not present, or no engine: nothing to pin to
  }
}

/** The repository part of a reference: without its tag or digest (a registry port is not a tag). */
function repoOf(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}
