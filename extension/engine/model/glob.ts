// Manifest globs relative to the stack file. Walks only below each pattern's
// static base, skips dependency and VCS folders, and never follows symlinked
// folders (a link loop must not hang a load).
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

const SKIP = new Set(['node_modules', '.git', '.flotilla', '.cache']);

export function expandGlobs(dir: string, patterns: string[]): { pattern: string; files: string[] }[] {
  return patterns.map((pattern) => {
    const { base, glob, isGlob } = picomatch.scan(pattern);
    const root = path.resolve(dir, base || '.');
    if (!isGlob) return { pattern, files: isFile(path.resolve(dir, pattern)) ? [path.resolve(dir, pattern)] : [] };
    const match = picomatch(glob, { dot: false });
    const files: string[] = [];
    walk(root, root, match, files, 0);
    return { pattern, files: files.sort() };
  });
}

function walk(root: string, d: string, match: (p: string) => boolean, out: string[], depth: number): void {
  if (depth > 32) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(d, { withFileTypes: true });
  } catch {
    return; // an unreadable folder matches nothing; the glob's "no files" note says so
  }
  for (const e of entries) {
    const full = path.join(d, e.name);
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) walk(root, full, match, out, depth + 1);
    } else if (
      (e.isFile() || (e.isSymbolicLink() && isFile(full))) &&
      match(path.relative(root, full).split(path.sep).join('/'))
    ) {
      out.push(full);
    }
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false; // vanished or unreadable: not a file to load
  }
}
