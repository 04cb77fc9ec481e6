// Turns findings into the public 1-based LintDiagnostic form, and gathers what a path holds.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { FileFinding, LintDiagnostic } from '../core/types';
import { isHelmTemplate, KUSTOMIZATION_FILES } from '../../../extension/engine/model/not-manifests';
import { isDockerfileName, isJsonName, isYamlName, walk } from '../stack/glob';
import { isStackFile, lintLoose, lintStack, ParseCache, readDisk, stackFileIn, type LintOptions } from './project';
import { looksLikeManifest } from '../k8s/resources';
import { parseYaml } from '../yaml/parse';

const ORDER = { error: 0, warning: 1, information: 2, hint: 3 };

export function toDiagnostics(findings: Map<string, FileFinding[]>): LintDiagnostic[] {
  const out: LintDiagnostic[] = [];
  for (const fs of findings.values()) {
    for (const f of fs) {
      out.push({
        file: f.file,
        line: f.range.start.line + 1,
        column: f.range.start.character + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
        severity: f.severity,
        code: f.code,
        message: f.message,
        blocking: f.severity === 'error' && !f.inert,
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      ORDER[a.severity] - ORDER[b.severity] ||
      a.code.localeCompare(b.code),
  );
}

/** All rules over the stack in stackDir (its stack file, manifests and build Dockerfiles). */
export async function lintStackDir(stackDir: string, opts: LintOptions = {}): Promise<LintDiagnostic[]> {
  const dir = path.resolve(stackDir);
  const file = isStackFile(dir) ? dir : stackFileIn(dir, existsSync);
  if (!file) return lintPaths([dir], opts);
  return toDiagnostics((await lintStack(file, opts)).findings);
}

/** What `flotilla lint PATH...` checks: stacks found under the paths, then every other Dockerfile and manifest. */
export async function lintPaths(paths: string[], options: LintOptions = {}): Promise<LintDiagnostic[]> {
  const opts = { ...options, cache: options.cache ?? new ParseCache() };
  const all = new Map<string, FileFinding[]>();
  const covered = new Set<string>();
  const manifests: string[] = [];
  const dockerfiles: string[] = [];
  const merge = (m: Map<string, FileFinding[]>) => {
    for (const [f, fs] of m) if (!all.has(f)) all.set(f, fs);
  };
  for (const p of paths.map((x) => path.resolve(x))) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      all.set(p, [
        {
          file: p,
          code: 'FS1006',
          severity: 'error',
          message: `No such file or folder: ${p}`,
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        },
      ]);
      continue;
    }
    const files = isDir ? walk(p).map((f) => path.join(p, f)) : [p];
    const stacks = files.filter(isStackFile);
    for (const s of stacks) {
      if (stackFileIn(path.dirname(s), existsSync) !== s) continue; // flotilla.yaml wins over skaffold.yaml
      const { stack, findings } = await lintStack(s, opts);
      merge(findings);
      covered.add(s);
      stack?.manifests.forEach((m) => covered.add(m));
      stack?.builds.forEach((b) => covered.add(b.dockerfile));
    }
    for (const f of files) {
      if (covered.has(f) || isStackFile(f)) continue;
      if (isDockerfileName(f)) dockerfiles.push(f);
      else if (isYamlName(f) || isJsonName(f)) {
        const text = (opts.read ?? readDisk)(f);
        if (text === undefined) continue;
        // a file named on the command line is a manifest; in a walk only YAML or JSON that looks like one
        if (!isDir || text === '\0too-large') manifests.push(f);
        else if (MANIFEST_KEYS.every((k) => k.test(text))) {
          // a Helm template is taken as is (one note), never parsed
          if (isHelmTemplate(f, text)) {
            manifests.push(f);
            continue;
          }
          const e = opts.cache.entry(f, text);
          if (looksLikeManifest((e.yaml ??= parseYaml(text)))) manifests.push(f);
        }
      }
    }
  }
  // Cross-resource checks stay inside one stack: files outside a stack file group by their
  // kustomization's folder, else by their own folder (a tree of separate example apps is not one app).
  const groups = new Map<string, string[]>();
  for (const m of new Set(manifests)) {
    const key = kustomizationRoot(m) ?? path.dirname(m);
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  merge(await lintLoose([], [...new Set(dockerfiles)], opts));
  for (const group of groups.values()) merge(await lintLoose(group, [], opts));
  return toDiagnostics(all);
}

/** `kind:` and `apiVersion:` keys, in YAML or JSON. */
const MANIFEST_KEYS = [/\bkind"?\s*:/, /\bapiVersion"?\s*:/];

/** The nearest folder upwards (at most 3 levels) holding a kustomization file. */
function kustomizationRoot(file: string): string | undefined {
  let dir = path.dirname(file);
  for (let i = 0; i < 4; i++) {
    if (KUSTOMIZATION_FILES.some((k) => existsSync(path.join(dir, k)))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}
