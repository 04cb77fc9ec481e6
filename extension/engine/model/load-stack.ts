// Loads a whole stack: stack file → manifest globs → typed resources. Collects
// every problem before returning, so `up` can refuse with the full list before
// anything is changed, and a bad save during `up` leaves the running stack alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandGlob } from './glob';
import type { Problem } from './problems';
import { isError, StackError } from './problems';
import { unhonoured, type Unhonoured } from './honoured';
import { loadKustomization } from './load-kustomize';
import { isKustomizeKind, isPatchDocument, kustomizationNote, patchNote, skipNote } from './not-manifests';
import type { HostAccess } from './pod';
import { missingReferences } from './pod-refs';
import { isObj, Reader } from './reader';
import { readResource } from './resources';
import { findStackFile, MAX_DOCKERFILE_BYTES, readStackFile, STACK_FILES } from './stack-file';
import { locate, parseYamlFile, type YamlPath } from './yaml-source';
import type { StackSpec } from './types';

/** Manifests larger than this are refused: no real manifest is this big, and parsing one would stall the engine. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface LoadResult {
  stack?: StackSpec;
  problems: Problem[];
}

export interface LoadOptions {
  /** Reads a file's text; the language server passes its open editor buffers. Defaults to the disk. */
  read?: (file: string) => string | undefined;
}

export function loadStack(dirOrFile: string, opts: LoadOptions = {}): LoadResult {
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
  const { stack: sf, problems: all } = readStackFile(file, opts.read);
  if (!sf) return { problems: [...all.filter(isError), ...all.filter((p) => !isError(p))] };
  const problems = all.filter(isError);

  const stack: StackSpec = {
    name: sf.name,
    dir: sf.dir,
    file,
    manifestFiles: [],
    builds: sf.builds,
    nodes: sf.nodes,
    deployments: [],
    jobs: [],
    cronJobs: [],
    services: [],
    hpas: [],
    configMaps: [],
    secrets: [],
    claims: [],
    ignored: [],
    warnings: all.filter((p) => !isError(p)).map(asWarning),
    settings: sf.settings,
  };
  for (const b of sf.builds) problems.push(...checkDockerfile(b.dockerfile));
  for (const g of sf.globs) {
    const files = expandGlob(sf.dir, g.value);
    if (!files.length) {
      stack.warnings.push({
        ...g.source,
        code: 'FS1004',
        severity: 'warning',
        message: `"${g.value}" matches no file under ${sf.dir}.`,
      });
    }
    for (const f of files) if (!stack.manifestFiles.includes(f)) stack.manifestFiles.push(f);
  }
  for (const f of stack.manifestFiles) problems.push(...readManifestFile(stack, f, opts.read));
  for (const k of sf.kustomize) problems.push(...loadKustomization(stack, k, readManifestText, opts.read));
  problems.push(...checkUnique(stack));
  stack.warnings.push(...missingReferences(stack));
  // A refused stack still shows its warnings, after the errors that refused it.
  const warnings = stack.warnings.map((w): Problem => ({ ...w }));
  return problems.length ? { problems: [...problems, ...warnings] } : { stack, problems };
}

function asWarning(p: Problem): StackSpec['warnings'][number] {
  return { file: p.file, line: p.line, column: p.column, message: p.message, severity: 'warning', code: p.code };
}

/** Refused before parsing, as the language server does (FD1013): no real Dockerfile is this big, or binary. */
function checkDockerfile(file: string): Problem[] {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return []; // missing: the stack file reader said so
  }
  const at = { file, line: 1, column: 1, code: 'FD1013' };
  if (size > MAX_DOCKERFILE_BYTES) {
    return [
      {
        ...at,
        message: `This file is ${(size / 1048576).toFixed(1)} MB, above the ${MAX_DOCKERFILE_BYTES >> 20} MB limit: not validated. Point the build at the real Dockerfile.`,
      },
    ];
  }
  if (fs.readFileSync(file).includes(0)) {
    return [
      {
        ...at,
        message: 'This file is a binary file, not a Dockerfile: not validated. Point the build at the real Dockerfile.',
      },
    ];
  }
  return [];
}

/** Like loadStack, but throws a StackError listing every problem. */
export function loadStackOrThrow(dirOrFile: string): StackSpec {
  const { stack, problems } = loadStack(dirOrFile);
  if (!stack) throw new StackError(problems);
  return stack;
}

function readManifestFile(stack: StackSpec, file: string, read?: (file: string) => string | undefined): Problem[] {
  const given = read?.(file);
  const size = given !== undefined ? given.length : fs.statSync(file).size;
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
  const text = given ?? fs.readFileSync(file, 'utf8');
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
  const skip = skipNote(file, text);
  if (skip) {
    stack.warnings.push({ file, line: 1, column: 1, severity: 'information', ...skip });
    return [];
  }
  return readManifestText(stack, file, text);
}

/** Reads the documents of one manifest text into the stack; returns the problems that refuse it. */
function readManifestText(stack: StackSpec, file: string, text: string): Problem[] {
  const parsed = parseYamlFile(file, text);
  const problems = [...parsed.problems];
  for (const d of parsed.docs) {
    if (isObj(d.value) && isKustomizeKind(str(d.value.apiVersion), str(d.value.kind))) {
      stack.warnings.push({ ...locate(d, []), severity: 'information', ...kustomizationNote(file) });
      continue;
    }
    if (isPatchDocument(d.value)) {
      stack.warnings.push({ ...locate(d, []), severity: 'information', ...patchNote(file) });
      continue;
    }
    // Fields and kinds Flotilla does not honour: warnings, never a refusal (honoured.ts).
    const dropped = unhonoured(d.doc);
    for (const u of dropped) {
      const at = d.lines.linePos(u.range[0]);
      stack.warnings.push({
        file,
        line: at.line,
        column: at.col,
        severity: 'warning',
        code: u.code,
        message: u.message,
      });
    }
    const r = new Reader(d);
    const res = readResource(r, d.value);
    problems.push(...r.problems);
    if (!res || r.problems.length) continue;
    switch (res.kind) {
      case 'Deployment':
      case 'Job':
      case 'CronJob': {
        const kind = res.kind === 'Deployment' ? (res.spec.kind ?? 'Deployment') : res.kind;
        for (const h of res.hostAccess) {
          if (!stack.settings.allow[h.feature]) {
            const at = locate(d, h.path);
            problems.push({
              file,
              line: at.line,
              column: at.column,
              code: HOST_ACCESS_CODE[h.feature],
              message: `${h.feature} gives the container access to the host and is refused; allow it explicitly with security.allow.${h.feature}: true in ${path.basename(stack.file)}`,
            });
          }
        }
        for (const u of res.unsupported) {
          if (!u.fatal && coveredByTable(u.path, dropped)) continue; // said once, by the table
          const at = locate(d, u.path);
          const p = {
            file,
            line: at.line,
            column: at.column,
            message: `${kind.toLowerCase()} ${res.spec.name}: ${u.message}`,
          };
          if (u.fatal) problems.push(p);
          else stack.warnings.push({ ...p, severity: 'warning' });
        }
        if (res.kind === 'Job') stack.jobs.push(res.spec);
        else if (res.kind === 'CronJob') stack.cronJobs.push(res.spec);
        else stack.deployments.push(res.spec);
        break;
      }
      case 'Service':
        if (res.spec.clusterIP !== undefined && res.spec.clusterIP !== 'None') {
          const message = `Service ${res.spec.name}: spec.clusterIP ${res.spec.clusterIP} is not used: Flotilla gives each Service an address in the stack network's Service range.`;
          stack.warnings.push({ ...locate(d, ['spec', 'clusterIP']), severity: 'warning', code: 'FK3001', message });
        }
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
      case 'PersistentVolumeClaim':
        stack.claims.push(res.spec);
        break;
      case 'Ignored':
        // (an HPA with no measurable metric is left out too: the table says so, see honoured.ts)
        stack.ignored.push({ kind: res.ignoredKind, name: res.name, source: r.at([]) });
        break;
    }
  }
  return problems;
}

/** Host-access features and their lint codes (FP100x). */
const HOST_ACCESS_CODE: Record<keyof HostAccess, string> = {
  privileged: 'FP1001',
  hostNetwork: 'FP1002',
  hostPID: 'FP1003',
  hostPath: 'FP1004',
  capabilities: 'FP1005',
};

function coveredByTable(path: YamlPath, dropped: Unhonoured[]): boolean {
  return dropped.some((u) => path.every((p, i) => u.path[i] === p));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function checkUnique(stack: StackSpec): Problem[] {
  const problems: Problem[] = [];
  type Named = { name: string; kind?: string; source: { file: string; line: number; column: number } };
  const workloads: Named[] = [
    ...stack.deployments.map((d) => ({ ...d, kind: d.kind ?? 'Deployment' })),
    ...stack.jobs,
    ...stack.cronJobs.map((c) => ({ ...c, kind: 'CronJob' })),
  ];
  const groups: [string, Named[]][] = [
    // Replicas, containers and work-queue keys are named after their workload, whatever its kind.
    ['workload', workloads],
    ['Service', stack.services],
    ['HorizontalPodAutoscaler', stack.hpas],
    ['ConfigMap', stack.configMaps],
    ['Secret', stack.secrets],
    ['PersistentVolumeClaim', stack.claims],
  ];
  for (const [group, items] of groups) {
    const seen = new Map<string, { at: string; kind: string }>();
    for (const it of items) {
      const kind = it.kind ?? group;
      const first = seen.get(it.name);
      if (!first) seen.set(it.name, { at: `${path.basename(it.source.file)}:${it.source.line}`, kind });
      else if (first.kind === kind) {
        problems.push({ ...it.source, message: `duplicate ${kind} "${it.name}" (first defined at ${first.at})` });
      } else {
        problems.push({
          ...it.source,
          message: `${kind} "${it.name}" has the name of the ${first.kind} at ${first.at}: replicas are named after their workload, so rename one`,
        });
      }
    }
  }
  return problems;
}
