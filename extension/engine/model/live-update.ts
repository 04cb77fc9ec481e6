// Which saves a build's live update copies into running replicas, and where to. Pure, so
// the engine, lint and tests agree on it.
//
// - A file matching `rebuildOn`, or no sync rule, rebuilds the image and rolls (today's path).
// - A `src` without glob characters maps that path to `dest` exactly (a file to a file, a
//   folder and everything below it to a folder), as compose's watch and Tilt's sync do.
// - A glob maps what it matches below its fixed leading folders to the same place below
//   `dest`: with {src: "src/**", dest: /app/src}, src/lib/a.js goes to /app/src/lib/a.js.
// Paths are relative to the build context, '/'-separated. The first matching rule wins.
import * as path from 'node:path';
import picomatch from 'picomatch';
import type { LiveUpdateSpec, SyncRule } from './types';

export type SyncDecision = { dest: string; rule: SyncRule } | 'rebuild';

export function syncDecision(live: LiveUpdateSpec, rel: string): SyncDecision {
  if (live.rebuildOn.some((g) => matches(g, rel))) return 'rebuild';
  for (const rule of live.sync) {
    const dest = destination(rule, rel);
    if (dest !== undefined) return { dest, rule };
  }
  return 'rebuild';
}

/** Where a rule puts `rel` in the container; undefined when the rule does not match it. */
export function destination(rule: Pick<SyncRule, 'src' | 'dest'>, rel: string): string | undefined {
  const src = trim(rule.src);
  const scan = picomatch.scan(src);
  if (!scan.isGlob) {
    if (rel === src) return rule.dest;
    if (src === '' || src === '.') return path.posix.join(rule.dest, rel);
    return rel.startsWith(`${src}/`) ? path.posix.join(rule.dest, rel.slice(src.length + 1)) : undefined;
  }
  if (!picomatch(src, { dot: true })(rel)) return undefined;
  const base = trim(scan.base);
  return path.posix.join(rule.dest, base ? path.posix.relative(base, rel) : rel);
}

function matches(glob: string, rel: string): boolean {
  const g = trim(glob);
  return picomatch.scan(g).isGlob ? picomatch(g, { dot: true })(rel) : rel === g || rel.startsWith(`${g}/`);
}

function trim(p: string): string {
  return p.replace(/^\.\//, '').replace(/\/+$/, '');
}
