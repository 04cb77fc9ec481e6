// The identity of a build's inputs: every sent path with its type, mode and
// content, the Dockerfile, the build args and the target. The same inputs give
// the same hash on any machine and at any mtime, so an image labelled with it
// can be reused instead of rebuilt, and the file watcher can tell which images
// a saved file affects.

import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { BuildSpec } from '../model/types';
import { collectContext, type ContextListing, type ContextOptions } from './context';

const VERSION = 'flotilla-context-v1';

/** sha256 (hex) of the build's inputs after .dockerignore. */
export async function contextHash(spec: BuildSpec, opts: ContextOptions = {}): Promise<string> {
  return hashListing(await collectContext(spec, opts), spec);
}

export async function hashListing(
  listing: ContextListing,
  spec: Pick<BuildSpec, 'buildArgs' | 'target'>,
): Promise<string> {
  const h = createHash('sha256');
  h.update(`${VERSION}\n`);
  // Entries come sorted from collectContext; sort again so callers can't break the hash.
  const entries = [...listing.entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of entries) {
    h.update(`${e.type} ${e.mode.toString(8)} ${JSON.stringify(e.path)}`);
    if (e.type === 'symlink') h.update(` -> ${JSON.stringify(e.linkTarget ?? '')}`);
    if (e.type === 'file') {
      const digest = e.content ? createHash('sha256').update(e.content).digest('hex') : await fileDigest(e.abs!);
      h.update(` ${digest}`);
    }
    h.update('\n');
  }
  h.update(`dockerfile ${JSON.stringify(listing.dockerfile)}\n`);
  const args = Object.keys(spec.buildArgs)
    .sort()
    .map((k) => [k, spec.buildArgs[k]]);
  h.update(`args ${JSON.stringify(args)}\n`);
  h.update(`target ${JSON.stringify(spec.target ?? '')}\n`);
  return h.digest('hex');
}

/** sha256 (hex) of a file's content, streamed. */
async function fileDigest(abs: string): Promise<string> {
  const inner: Hash = createHash('sha256');
  const chunks: AsyncIterable<Buffer> = createReadStream(abs); // no encoding set: Buffers
  for await (const chunk of chunks) inner.update(chunk);
  return inner.digest('hex');
}
