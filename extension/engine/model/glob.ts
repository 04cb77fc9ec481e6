// Manifest globs relative to the stack file, and the folder walk under them: one walker for
// the engine, `flotilla lint` and the language server. A glob walks only below its static
// base (`k8s/**/*.yaml` walks k8s/), skips dependency and VCS folders below that base, and
// never follows symlinked folders (a link loop must not hang a load). A pattern without
// glob characters names one file, wherever it lies (`dist/app.yaml` is found).
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

/** Folders never walked into: dependencies, VCS data, Flotilla's and tools' caches. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.flotilla',
  '.cache',
  '.vscode-test',
]);

/** Files under `root`, relative and '/'-separated, sorted. The language server caches these per root. */
export type ListFiles = (root: string) => string[];

const MAX_DEPTH = 32;
const MAX_FILES = 50_000;

/** Every file under root (symlinked files included, symlinked folders not), skipping SKIPPED_FOLDERS and `extraSkip`. */
export function listFiles(root: string, extraSkip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const visit = (rel: string, depth: number): void => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return; // an unreadable folder matches nothing; the glob's "no files" note says so
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(e.name) && !extraSkip.has(e.name)) visit(r, depth + 1);
      } else if (e.isFile() || (e.isSymbolicLink() && isFile(path.join(root, r)))) {
        out.push(r);
      }
      if (out.length >= MAX_FILES) return;
    }
  };
  visit('', 0);
  return out.sort();
}

/** Absolute paths of the files one pattern matches, sorted. */
export function expandGlob(dir: string, pattern: string, list: ListFiles = listFiles): string[] {
  const { base, glob, isGlob } = picomatch.scan(pattern);
  if (!isGlob) {
    const file = path.resolve(dir, pattern);
    return isFile(file) ? [file] : [];
  }
  const root = path.resolve(dir, base || '.');
  const match = picomatch(glob, { dot: false });
  return list(root)
    .filter((rel) => match(rel))
    .map((rel) => path.join(root, rel));
}

export function expandGlobs(
  dir: string,
  patterns: string[],
  list: ListFiles = listFiles,
): { pattern: string; files: string[] }[] {
  return patterns.map((pattern) => ({ pattern, files: expandGlob(dir, pattern, list) }));
}

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false; // vanished or unreadable: not a file to load
  }
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // missing: reported as a missing folder by the caller
  }
}
