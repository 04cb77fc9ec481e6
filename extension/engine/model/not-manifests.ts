// Files a manifest glob picks up that are not manifests to apply: kustomize's build files
// (rendered through the stack file's `kustomize:` instead) and Helm templates (rendered with
// `helm template` first). Both are skipped with one note naming the file, by `up` and by the
// language server alike, instead of a flood of errors on template syntax.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { isObj } from './reader';

export interface SkipNote {
  code: 'FK3003' | 'FK3004';
  message: string;
}

export function patchNote(file: string, kustomization?: string): SkipNote {
  const by = kustomization
    ? ` used by ${path.basename(path.dirname(kustomization))}/${path.basename(kustomization)}`
    : '';
  return {
    code: 'FK3003',
    message: `${path.basename(file)} is a kustomize patch${by}, not a manifest: skipped. kustomize applies it when it builds the folder (\`kustomize:\` in flotilla.yaml).`,
  };
}

/** A strategic-merge patch document (`$patch: delete`, `$patch: replace`) is not an object to apply. */
export function isPatchDocument(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && '$patch' in value;
}

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Kinds kustomize reads from its build files (apiVersion kustomize.config.k8s.io/…). */
export function isKustomizeKind(apiVersion: string | undefined, kind: string | undefined): boolean {
  return (
    (kind === 'Kustomization' || kind === 'Component') && (apiVersion ?? '').startsWith('kustomize.config.k8s.io/')
  );
}

export function kustomizationNote(file: string): SkipNote {
  const dir = path.basename(path.dirname(file));
  return {
    code: 'FK3003',
    message: `${path.basename(file)} is a kustomize build file, not a manifest: skipped. To run what it builds, set \`kustomize: ${dir}\` in flotilla.yaml (or manifests.kustomize.paths in skaffold.yaml) and leave the folder out of the manifest globs.`,
  };
}

export function helmNote(file: string): SkipNote {
  return {
    code: 'FK3004',
    message: `${path.basename(file)} is a Helm template ({{ }}): skipped. Render the chart first (\`helm template NAME CHART --output-dir rendered\`) and point the manifest globs at the output.`,
  };
}

/** Why a file a glob picked up is not read as manifests, if it is one of those. */
export function skipNote(file: string, text: string): SkipNote | undefined {
  if (KUSTOMIZATION_FILES.includes(path.basename(file))) return kustomizationNote(file);
  if (isHelmTemplate(file, text)) return helmNote(file);
  const by = patchingKustomization(file);
  if (by) return patchNote(file, by);
  return undefined;
}

/** The kustomization (in the file's folder or up to 3 above) that lists the file as a patch, if any. */
export function patchingKustomization(file: string): string | undefined {
  let dir = path.dirname(file);
  for (let i = 0; i < 4; i++) {
    for (const k of KUSTOMIZATION_FILES) {
      const kf = path.join(dir, k);
      if (patchesOf(kf).has(path.resolve(file))) return kf;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

const patchCache = new Map<string, { mtimeMs: number; patches: Set<string> }>();

/** Files a kustomization names as patches (patches[].path, patchesStrategicMerge[], patchesJson6902[].path). */
function patchesOf(kf: string): Set<string> {
  let st: fs.Stats;
  try {
    st = fs.statSync(kf);
  } catch {
    return new Set(); // no kustomization here
  }
  const hit = patchCache.get(kf);
  if (hit && hit.mtimeMs === st.mtimeMs) return hit.patches;
  const patches = new Set<string>();
  let k: unknown;
  try {
    k = YAML.parse(fs.readFileSync(kf, 'utf8'), { logLevel: 'silent', maxAliasCount: 10 });
  } catch {
    k = undefined; // a broken kustomization names no patches; kustomize itself reports it
  }
  const add = (p: unknown) => {
    if (typeof p === 'string' && /\.(ya?ml|json)$/.test(p) && !/^[a-z]+:\/\//.test(p)) {
      patches.add(path.resolve(path.dirname(kf), p));
    }
  };
  if (isObj(k)) {
    for (const key of ['patches', 'patchesJson6902', 'patchesStrategicMerge']) {
      const list = k[key];
      if (!Array.isArray(list)) continue;
      for (const e of list) add(isObj(e) ? e.path : e);
    }
  }
  patchCache.set(kf, { mtimeMs: st.mtimeMs, patches });
  return patches;
}

/**
 * Helm template syntax outside quoted strings and block scalars (a ConfigMap may carry Go
 * templates for another tool inside a `|` block), or any `{{` in a chart's templates/ folder.
 */
export function isHelmTemplate(file: string, text: string): boolean {
  if (!text.includes('{{')) return false;
  if (path.basename(path.dirname(file)) === 'templates' && chartAbove(file)) return true;
  let blockIndent = -1;
  for (const raw of text.split('\n')) {
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (blockIndent >= 0) {
      if (line === '' || indent > blockIndent) continue;
      blockIndent = -1;
    }
    if (line.startsWith('#')) continue;
    const bare = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, '""');
    // `${{ }}` is a CI expression (GitHub Actions), not Helm
    if (bare.replace(/\$\{\{/g, '').includes('{{')) return true;
    if (/[:-]\s*[|>][-+0-9]*\s*(#.*)?$/.test(bare)) blockIndent = indent;
  }
  return false;
}

function chartAbove(file: string): boolean {
  const chart = path.dirname(path.dirname(file));
  return fs.existsSync(path.join(chart, 'Chart.yaml'));
}
