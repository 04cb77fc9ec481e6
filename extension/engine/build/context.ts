// The files a build sends to the daemon: the context folder minus what
// .dockerignore leaves out, plus the Dockerfile and .dockerignore, which Docker
// always sends. The walk never follows symlinks (they are sent as symlinks, as
// `docker build` does), so a symlink loop cannot make it spin, and it refuses
// contexts outside the stack folder or bigger than a bound.

import { promises as fs, type Dirent, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { BuildSpec } from '../model/types';
import { DockerIgnore, cleanPath } from './dockerignore';
import { errnoCode, errorMessage } from '../util/errors';

export interface ContextEntry {
  /** Slash-separated path relative to the context root; never "." or empty. */
  path: string;
  /** Absolute path of the source on disk (undefined for generated content). */
  abs?: string;
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o7777). */
  mode: number;
  size: number;
  linkTarget?: string;
  /** Content to send instead of reading `abs`. */
  content?: Buffer;
  /** Owner ids for the tar header (0 when unset); volume files use them for fsGroup. */
  uid?: number;
  gid?: number;
}

export interface ContextListing {
  entries: ContextEntry[];
  /** Name of the Dockerfile inside the tar, as the daemon's `dockerfile` parameter. */
  dockerfile: string;
  /** Sum of the regular files' sizes. */
  totalBytes: number;
  /** Special files (sockets, FIFOs, devices) left out, relative paths. */
  skipped: string[];
}

export interface ContextOptions {
  /** The stack folder: context and Dockerfile must resolve inside it. */
  stackDir?: string;
  /** Refuse contexts whose regular files add up to more than this (default 512 MiB). */
  maxBytes?: number;
  /** Refuse contexts with more entries than this (default 100 000). */
  maxEntries?: number;
}

export const DEFAULT_MAX_CONTEXT_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_CONTEXT_ENTRIES = 100_000;
/** Name given to a Dockerfile that lives outside its context, as the Docker CLI does. */
export const OUTSIDE_DOCKERFILE_NAME = '.dockerfile.flotilla';

/** The .dockerignore rules of a build context (none if the file is absent). */
export async function loadDockerignore(contextDir: string): Promise<DockerIgnore> {
  try {
    return DockerIgnore.fromText(await fs.readFile(path.join(contextDir, '.dockerignore'), 'utf8'));
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return new DockerIgnore([]);
    throw new Error(`cannot read ${path.join(contextDir, '.dockerignore')}: ${errorMessage(e)}`);
  }
}

/** Every entry the build would send, sorted by path (byte order). */
export async function listContextFiles(spec: BuildSpec, opts: ContextOptions = {}): Promise<ContextEntry[]> {
  return (await collectContext(spec, opts)).entries;
}

/**
 * Whether a file would be sent with the build, without walking the context:
 * for the file watcher, to ignore saves that cannot change the image. The
 * Dockerfile and .dockerignore always count; a file under an ignored folder
 * counts only if the walk would descend there (see mayReincludeUnder).
 */
export async function contextIncludes(spec: BuildSpec, absPath: string): Promise<boolean> {
  const file = path.resolve(absPath);
  if (file === path.resolve(spec.dockerfile)) return true;
  const rel = path.relative(path.resolve(spec.context), file);
  if (rel === '' || escapes(rel)) return false;
  const slashed = rel.split(path.sep).join('/');
  if (slashed === '.dockerignore') return true;
  const ignore = await loadDockerignore(spec.context);
  const parts = slashed.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    if (ignore.ignores(dir) && !ignore.mayReincludeUnder(dir)) return false;
  }
  return !ignore.ignores(slashed);
}

export async function collectContext(spec: BuildSpec, opts: ContextOptions = {}): Promise<ContextListing> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_CONTEXT_ENTRIES;
  const root = await realDir(spec.context, `build context of image ${spec.image}`);
  const dockerfileReal = await realFile(spec.dockerfile, `Dockerfile of image ${spec.image}`);
  if (opts.stackDir !== undefined) {
    const stackReal = await realDir(opts.stackDir, 'stack folder');
    refuseOutside(stackReal, root, `build context "${spec.context}" of image ${spec.image}`);
    refuseOutside(stackReal, dockerfileReal, `Dockerfile "${spec.dockerfile}" of image ${spec.image}`);
  }

  const ignore = await loadDockerignore(root);
  const entries: ContextEntry[] = [];
  const skipped: string[] = [];
  let totalBytes = 0;
  const tooBig = () =>
    new Error(
      `build context ${root} of image ${spec.image} is larger than ${formatBytes(maxBytes)}` +
        ` (over ${entries.length} entries so far); add a .dockerignore that leaves out what the image does not need`,
    );

  // Directories already walked, by device and inode: bind mounts can make a
  // folder its own descendant even without symlinks.
  const seen = new Set<string>();
  const stack: { abs: string; rel: string }[] = [{ abs: root, rel: '' }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const dirStat = await fs.lstat(dir.abs);
    const key = `${dirStat.dev}:${dirStat.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let children: Dirent[];
    try {
      children = await fs.readdir(dir.abs, { withFileTypes: true });
    } catch (e) {
      throw new Error(`cannot read ${dir.abs} in the build context of image ${spec.image}: ${errorMessage(e)}`);
    }
    for (const child of children) {
      const rel = dir.rel === '' ? child.name : `${dir.rel}/${child.name}`;
      const abs = path.join(dir.abs, child.name);
      const st = await fs.lstat(abs);
      const ignored = ignore.ignores(rel);
      if (st.isDirectory()) {
        if (!ignored) entries.push(entryOf(rel, abs, 'dir', st));
        if (!ignored || ignore.mayReincludeUnder(rel)) stack.push({ abs, rel });
      } else if (ignored) {
        continue;
      } else if (st.isFile()) {
        entries.push(entryOf(rel, abs, 'file', st));
        totalBytes += st.size;
        if (totalBytes > maxBytes) throw tooBig();
      } else if (st.isSymbolicLink()) {
        entries.push({ ...entryOf(rel, abs, 'symlink', st), size: 0, linkTarget: await fs.readlink(abs) });
      } else {
        skipped.push(rel);
      }
      if (entries.length > maxEntries) throw tooBig();
    }
  }

  // Docker always sends the Dockerfile and .dockerignore, whatever the patterns say.
  const have = new Set(entries.map((e) => e.path));
  // The Dockerfile's own name counts (it may be a symlink); its folder is resolved like the context.
  const dockerfileAt = path.join(await fs.realpath(path.dirname(spec.dockerfile)), path.basename(spec.dockerfile));
  const dockerfileRel = path.relative(root, dockerfileAt);
  let dockerfile = dockerfileRel.split(path.sep).join('/');
  if (escapes(dockerfileRel)) {
    dockerfile = OUTSIDE_DOCKERFILE_NAME;
    const content = await fs.readFile(dockerfileReal);
    entries.push({ path: dockerfile, type: 'file', mode: 0o644, size: content.length, content });
    // Like the CLI: ask the daemon to drop the extra file so `COPY .` does not see it.
    const ignorePath = path.join(root, '.dockerignore');
    const existing = await fs.readFile(ignorePath).catch(() => Buffer.alloc(0));
    const patched = Buffer.concat([existing, Buffer.from(`\n${OUTSIDE_DOCKERFILE_NAME}\n.dockerignore\n`)]);
    const i = entries.findIndex((e) => e.path === '.dockerignore');
    if (i >= 0) entries.splice(i, 1);
    entries.push({ path: '.dockerignore', type: 'file', mode: 0o644, size: patched.length, content: patched });
  } else if (!have.has(dockerfile)) {
    entries.push(entryOf(dockerfile, dockerfileAt, 'file', await fs.stat(dockerfileAt)));
  }
  if (!entries.some((e) => e.path === '.dockerignore')) {
    const abs = path.join(root, '.dockerignore');
    const st = await fs.lstat(abs).catch(() => undefined); // no .dockerignore: nothing to add
    if (st?.isFile()) entries.push(entryOf('.dockerignore', abs, 'file', st));
  }

  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, dockerfile: cleanPath(dockerfile), totalBytes, skipped };
}

function entryOf(rel: string, abs: string, type: ContextEntry['type'], st: Stats): ContextEntry {
  return { path: rel, abs, type, mode: st.mode & 0o7777, size: type === 'file' ? st.size : 0 };
}

async function realDir(p: string, what: string): Promise<string> {
  const real = await fs.realpath(p).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${what} ${p} does not exist (${e.code ?? e.message})`);
  });
  if (!(await fs.stat(real)).isDirectory()) throw new Error(`${what} ${p} is not a folder`);
  return real;
}

async function realFile(p: string, what: string): Promise<string> {
  const real = await fs.realpath(p).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${what} ${p} does not exist (${e.code ?? e.message})`);
  });
  if (!(await fs.stat(real)).isFile()) throw new Error(`${what} ${p} is not a file`);
  return real;
}

/** Refuses paths that resolve (symlinks included) outside the stack folder. */
function refuseOutside(stackReal: string, real: string, what: string): void {
  const rel = path.relative(stackReal, real);
  if (!escapes(rel)) return;
  throw new Error(
    `${what} resolves to ${real}, outside the stack folder ${stackReal}; Flotilla only sends files from inside the stack folder to Docker`,
  );
}

/** Whether a path.relative() result leaves its base folder. */
function escapes(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${n} bytes`;
}
