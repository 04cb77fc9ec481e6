// Manifest globs relative to the stack folder, and the folder walk of `flotilla lint`.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

const SKIP = new Set(['node_modules', '.git', 'dist', 'out', '.cache', '.vscode-test']);

/** Every file under dir (relative, '/'-separated), skipping dependency and build folders. */
export function walk(dir: string, maxFiles = 20_000, maxDepth = 12): string[] {
  const out: string[] = [];
  const visit = (rel: string, depth: number) => {
    if (depth > maxDepth || out.length >= maxFiles) return;
    let entries;
    try {
      entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) visit(r, depth + 1);
      } else if (e.isFile()) out.push(r);
      if (out.length >= maxFiles) return;
    }
  };
  visit('', 0);
  return out.sort();
}

/** Absolute paths of the files a glob matches (relative to base). */
export function expandGlob(base: string, glob: string, files?: string[]): string[] {
  const g = glob.replace(/^\.\//, '');
  if (!picomatch.scan(g).isGlob) return (files ?? walk(base)).includes(g) ? [path.join(base, g)] : [];
  const isMatch = picomatch(g, { dot: false });
  return (files ?? walk(base)).filter((f) => isMatch(f)).map((f) => path.join(base, f));
}

export { isDockerfileName, isYamlName } from '../../../extension/engine/model/file-names';
