// Loads a whole stack: stack file → manifest globs → typed resources. Collects
// every problem before returning, so `up` can refuse with the full list before
// anything is changed, and a bad save during `up` leaves the running stack alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandGlobs } from './glob';
import type { Problem } from './problems';
import { StackError } from './problems';
import { Reader } from './reader';
import { readResource } from './resources';
import { findStackFile, readStackFile, STACK_FILES } from './stack-file';
import { locate, parseYamlFile } from './yaml-source';
import type { StackSpec } from './types';

/** Manifests larger than this are refused: no real manifest is this big, and parsing one would stall the engine. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface LoadResult {
  stack?: StackSpec;
  problems: Problem[];
}

export function loadStack(dirOrFile: string): LoadResult {
  const abs = path.resolve(dirOrFile);
  const file = fs.existsSync(abs) && fs.statSync(abs).isFile() ? abs : findStackFile(abs);
  if (!file) {
    return {
      problems: [
        {
          file: abs,
          line: 1,
          column: 1,
          message: `no stack file here: create ${STACK_FILES[0]} (name:, manifests:) or a skaffold.yaml`,
        },
      ],
    };
  }
  const { stack: sf, problems } = readStackFile(file);
  if (!sf) return { problems };

  const stack: StackSpec = {
    name: sf.name,
    dir: sf.dir,
    file,
    manifestFiles: [],
    builds: sf.builds,
    nodes: sf.nodes,
    deployments: [],
    services: [],
    hpas: [],
    configMaps: [],
    secrets: [],
    ignored: [],
    warnings: [],
    settings: sf.settings,
  };
  const stackText = fs.readFileSync(file, 'utf8');
  const stackDoc = parseYamlFile(file, stackText).docs[0];
  for (const { pattern, files } of expandGlobs(sf.dir, sf.manifests)) {
    if (!files.length) {
      const at = stackDoc ? locate(stackDoc, ['manifests']) : { line: 1, column: 1 };
      problems.push({ file, line: at.line, column: at.column, message: `manifest glob "${pattern}" matches no file` });
    }
    for (const f of files) if (!stack.manifestFiles.includes(f)) stack.manifestFiles.push(f);
  }
  for (const f of stack.manifestFiles) problems.push(...readManifestFile(stack, f));
  problems.push(...checkUnique(stack));
  return problems.length ? { problems } : { stack, problems };
}

/** Like loadStack, but throws a StackError listing every problem. */
export function loadStackOrThrow(dirOrFile: string): StackSpec {
  const { stack, problems } = loadStack(dirOrFile);
  if (!stack) throw new StackError(problems);
  return stack;
}

function readManifestFile(stack: StackSpec, file: string): Problem[] {
  const size = fs.statSync(file).size;
  if (size > MAX_MANIFEST_BYTES) {
    return [
      {
        file,
        line: 1,
        column: 1,
        message: `manifest is ${(size / 1048576).toFixed(1)} MB, above the ${MAX_MANIFEST_BYTES / 1048576} MB limit: split it or remove it from the manifests globs`,
      },
    ];
  }
  const text = fs.readFileSync(file, 'utf8');
  if (text.includes('\u0000')) {
    return [
      {
        file,
        line: 1,
        column: 1,
        message: 'this is a binary file, not a YAML manifest: remove it from the manifests globs',
      },
    ];
  }
  const parsed = parseYamlFile(file, text);
  const problems = [...parsed.problems];
  for (const d of parsed.docs) {
    const r = new Reader(d);
    const res = readResource(r, d.value);
    problems.push(...r.problems);
    if (!res || r.problems.length) continue;
    switch (res.kind) {
      case 'Deployment':
        for (const h of res.hostAccess) {
          if (!stack.settings.allow[h.feature]) {
            const at = locate(d, h.path);
            problems.push({
              file,
              line: at.line,
              column: at.column,
              code: 'FP001',
              message: `${h.feature} gives the container access to the host and is refused; allow it explicitly with security.allow.${h.feature}: true in ${path.basename(stack.file)}`,
            });
          }
        }
        for (const u of res.unsupported) {
          const at = locate(d, u.path);
          const p = { file, line: at.line, column: at.column, message: `deployment ${res.spec.name}: ${u.message}` };
          if (u.fatal) problems.push(p);
          else stack.warnings.push({ ...p, severity: 'warning' });
        }
        stack.deployments.push(res.spec);
        break;
      case 'Service':
        stack.services.push(res.spec);
        break;
      case 'HorizontalPodAutoscaler':
        stack.hpas.push(res.spec);
        break;
      case 'ConfigMap':
        stack.configMaps.push(res.spec);
        break;
      case 'Secret':
        stack.secrets.push(res.spec);
        break;
      case 'Ignored':
        stack.ignored.push({ kind: res.ignoredKind, name: res.name, source: r.at([]) });
        break;
    }
  }
  return problems;
}

function checkUnique(stack: StackSpec): Problem[] {
  const problems: Problem[] = [];
  const groups: [string, { name: string; source: { file: string; line: number; column: number } }[]][] = [
    ['Deployment', stack.deployments],
    ['Service', stack.services],
    ['HorizontalPodAutoscaler', stack.hpas],
    ['ConfigMap', stack.configMaps],
    ['Secret', stack.secrets],
  ];
  for (const [kind, items] of groups) {
    const seen = new Map<string, string>();
    for (const it of items) {
      const first = seen.get(it.name);
      if (first) problems.push({ ...it.source, message: `duplicate ${kind} "${it.name}" (first defined at ${first})` });
      else seen.set(it.name, `${path.basename(it.source.file)}:${it.source.line}`);
    }
  }
  return problems;
}
