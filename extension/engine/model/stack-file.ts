// The stack file: flotilla.yaml, or a skaffold.yaml read for the same facts when there is no
// flotilla.yaml. This is the one reader of it: `up` loads the stack through it and the
// language server lints and navigates the stack file through it, so both accept the same
// files, with the same codes, messages, ranges and quick fixes. Paths are relative to the
// file's folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq } from 'yaml';
import { errorMessage } from '../util/errors';
import { applyEnv } from './env-overrides';
import { STACK_FILES } from './file-names';
import type { Problem } from './problems';
import { isError } from './problems';
import { parseCpu, parseMemory } from './quantity';
import { readBuilds, readSkaffoldBuilds } from './stack-build';
import { fits, STACK_KEYS, StackNodeReader } from './stack-reader';
import type { BuildSpec, NodeSpec, SourceRef, StackSettings } from './types';
import { deref, keyOf, mapPairs, str, type AnyNode } from './yaml-nodes';
import { parseYamlFile } from './yaml-source';

export { STACK_FILES };

/** A manifest glob or kustomize folder named by the stack file, with where it is written. */
export interface SourcedPath {
  value: string;
  source: SourceRef;
}

export interface StackFile {
  kind: 'flotilla' | 'skaffold';
  name: string;
  dir: string;
  file: string;
  /** Manifest glob patterns, in order. */
  manifests: string[];
  /** The same globs with their place in the stack file. */
  globs: SourcedPath[];
  /** Folders rendered with `kustomize build` (absolute in `value`). */
  kustomize: SourcedPath[];
  builds: BuildSpec[];
  /** Empty means "one node sized to the Docker host". */
  nodes: NodeSpec[];
  settings: StackSettings;
}

export const DEFAULT_SETTINGS: StackSettings = {
  backoffBaseSeconds: 10,
  backoffMaxSeconds: 300,
  resyncSeconds: 30,
  hpaSyncSeconds: 15,
  bindAddress: '127.0.0.1',
  allow: { privileged: false, hostNetwork: false, hostPID: false, hostPath: false, capabilities: false },
};

export { STACK_KEYS } from './stack-reader';

/** The smallest value each numeric setting accepts (seconds). */
const SETTING_MIN: Record<string, number> = {
  backoffBaseSeconds: 0.1,
  backoffMaxSeconds: 0.1,
  terminationGracePeriodSeconds: 0,
  resyncSeconds: 1,
  hpaSyncSeconds: 1,
  hpaDownscaleStabilizationSeconds: 0,
};

/** Container, network and volume names are built from the stack name; Docker's limits leave 40 characters. */
export const MAX_STACK_NAME = 40;
const STACK_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** No stack file is this big; parsing one would stall the engine. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;
/** Dockerfiles larger than this are refused (the Dockerfile parser slows down superlinearly on huge files). */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** The stack file in `dir`, preferring flotilla.yaml over skaffold.yaml. */
export function findStackFile(dir: string, exists: (f: string) => boolean = fs.existsSync): string | undefined {
  return STACK_FILES.map((f) => path.join(dir, f)).find(exists);
}

/** A stack name made valid: what the quick fix and skaffold's metadata.name use. */
export function toStackName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_STACK_NAME)
    .replace(/-+$/, '');
}

/** Reads the stack file from disk (the engine's path); env overrides apply. No stack when any error. */
export function readStackFile(
  file: string,
  read?: (file: string) => string | undefined,
): { stack?: StackFile; problems: Problem[] } {
  let text: string;
  try {
    text = read?.(file) ?? fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { problems: [{ file, line: 1, column: 1, message: `cannot read the stack file: ${errorMessage(e)}` }] };
  }
  const { stack, problems } = readStackText(file, text);
  if (stack && !problems.some(isError)) {
    try {
      const env = applyEnv(stack.settings, { bindAddress: stack.explicitBind, nodes: stack.nodes.length > 0 });
      stack.settings = env.settings;
      if (!stack.nodes.length) stack.nodes = env.nodes;
    } catch (e) {
      problems.push({ file, line: 1, column: 1, message: errorMessage(e) });
    }
  }
  return { stack: stack && !problems.some(isError) ? stack : undefined, problems };
}

/**
 * Reads a stack file's text: every problem (errors and warnings), and the stack as far as it
 * could be read (the language server navigates a stack with errors too).
 */
export function readStackText(
  file: string,
  text: string,
): { stack?: StackFile & { explicitBind: boolean }; problems: Problem[] } {
  const line1 = (message: string, code = 'FS1002'): Problem[] => [{ file, line: 1, column: 1, code, message }];
  if (text.includes('\u0000')) {
    return { problems: line1('This is a binary file, not a stack file: it needs at least `name:` and `manifests:`.') };
  }
  if (text.length > MAX_STACK_FILE_BYTES) {
    return {
      problems: line1(
        `The stack file is ${(text.length / 1048576).toFixed(1)} MB, above the ${MAX_STACK_FILE_BYTES / 1048576} MB limit.`,
      ),
    };
  }
  const parsed = parseYamlFile(file, text);
  const doc = parsed.docs[0];
  if (parsed.problems.length) return { problems: parsed.problems };
  if (!doc || !isMap(deref(doc.doc.contents, doc.doc))) {
    return { problems: line1('The stack file is empty: it needs at least `name:` and `manifests:`.', 'FS1003') };
  }
  const r = new StackReader(doc);
  const stack = path.basename(file).startsWith('skaffold') ? r.skaffold() : r.flotilla();
  return { stack, problems: r.problems };
}

class StackReader extends StackNodeReader {
  flotilla(): StackFile & { explicitBind: boolean } {
    const root = this.root;
    this.section(root, '', 'the stack file', ['name']);
    const nameNode = this.get(root, 'name');
    const rawName = str(nameNode);
    if (rawName !== undefined && (!STACK_NAME.test(rawName) || rawName.length > MAX_STACK_NAME)) {
      const fixed = toStackName(rawName);
      this.at(
        nameNode,
        'FS1002',
        `name "${rawName}" is not a valid stack name: use up to ${MAX_STACK_NAME} lowercase letters, digits and '-', starting and ending with a letter or digit.`,
        { fix: STACK_NAME.test(fixed) ? { title: `Use ${fixed}`, newText: fixed } : undefined },
      );
    }
    const globs = this.paths(this.get(root, 'manifests'), 'manifests', 'A manifest glob');
    const kustomize = this.paths(this.get(root, 'kustomize'), 'kustomize', 'A kustomize folder').map((k) => ({
      ...k,
      value: path.resolve(this.dir, k.value),
    }));
    if (!this.get(root, 'manifests') && !this.get(root, 'kustomize')) {
      this.at(
        mapPairs(root).find((p) => keyOf(p) === 'name') ?? root,
        'FS1003',
        'The stack file needs "manifests" (globs such as ["k8s/*.yaml"]) or "kustomize" (a folder with a kustomization.yaml).',
      );
    }
    const builds = readBuilds(this, root);
    const nodes = this.nodes(this.get(root, 'nodes'));
    const settingsNode = this.get(root, 'settings');
    return {
      kind: 'flotilla',
      name: rawName !== undefined && STACK_NAME.test(rawName) ? rawName : toStackName(rawName ?? '') || 'stack',
      dir: this.dir,
      file: this.file,
      manifests: globs.map((g) => g.value),
      globs,
      kustomize,
      builds,
      nodes,
      settings: this.settings(settingsNode, this.get(root, 'security')),
      explicitBind: !!this.get(settingsNode, 'bindAddress'),
    };
  }

  skaffold(): StackFile & { explicitBind: boolean } {
    const root = this.root;
    const rawName = str(this.get(root, 'metadata', 'name')) ?? path.basename(this.dir);
    const builds = readSkaffoldBuilds(this, root);
    // skaffold v4 (manifests.*) and v2 (deploy.kubectl / deploy.kustomize) layouts
    const globs = [
      ...this.paths(this.get(root, 'manifests', 'rawYaml'), 'manifests.rawYaml', 'A manifest glob'),
      ...this.paths(this.get(root, 'deploy', 'kubectl', 'manifests'), 'deploy.kubectl.manifests', 'A manifest glob'),
    ];
    const kustomize = [
      ...this.paths(
        this.get(root, 'manifests', 'kustomize', 'paths'),
        'manifests.kustomize.paths',
        'A kustomize folder',
      ),
      ...this.paths(this.get(root, 'deploy', 'kustomize', 'paths'), 'deploy.kustomize.paths', 'A kustomize folder'),
    ].map((k) => ({ ...k, value: path.resolve(this.dir, k.value) }));
    for (const helm of [this.get(root, 'manifests', 'helm'), this.get(root, 'deploy', 'helm')]) {
      if (helm) {
        this.at(
          helm,
          'FS1010',
          'Flotilla does not render Helm charts: run `helm template` into a folder and list it under manifests.rawYaml.',
          { severity: 'warning' },
        );
      }
    }
    if (!globs.length && !kustomize.length) {
      this.at(
        this.get(root, 'manifests') ?? this.get(root, 'deploy') ?? root,
        'FS1003',
        'Flotilla reads skaffold manifests from manifests.rawYaml, manifests.kustomize.paths or deploy.kubectl.manifests; none is set.',
      );
    }
    return {
      kind: 'skaffold',
      name: toStackName(rawName) || 'stack',
      dir: this.dir,
      file: this.file,
      manifests: globs.map((g) => g.value),
      globs,
      kustomize,
      builds,
      nodes: [],
      settings: this.settings(undefined, undefined),
      explicitBind: false,
    };
  }

  /** A string or a list of strings (globs, folders), each with its source. */
  paths(node: AnyNode, where: string, what: string): SourcedPath[] {
    const n = deref(node, this.y.doc);
    if (!n || (isScalar(n) && n.value === null)) return [];
    if (!isSeq(n) && where === 'manifests') return []; // reported by the shape check: a list is required
    const list = isSeq(n) ? this.list(n) : [n];
    const out: SourcedPath[] = [];
    for (const g of list) {
      if (!isScalar(g) || typeof g.value !== 'string' || g.value === '') {
        this.at(g, 'FS1002', `${what} must be a non-empty string (${where}).`);
        continue;
      }
      out.push({ value: g.value, source: this.source(g) });
    }
    return out;
  }

  nodes(node: AnyNode): NodeSpec[] {
    const out: NodeSpec[] = [];
    const names = new Set<string>();
    for (const n of this.list(node)) {
      if (!this.section(n, 'nodes', 'nodes[]', ['name', 'cpu', 'memory'])) continue;
      const name = str(this.get(n, 'name'));
      if (name && names.has(name)) this.at(this.get(n, 'name'), 'FS1007', `Node "${name}" is declared twice.`);
      if (name) names.add(name);
      const quantity = (k: 'cpu' | 'memory'): number | undefined => {
        const v = this.get(n, k);
        if (!isScalar(v) || v.value === null) return undefined;
        try {
          return k === 'cpu' ? parseCpu(v.value) : parseMemory(v.value);
        } catch (e) {
          if (fits(v, 'quantity')) this.at(v, 'FS1002', `nodes[].${k}: ${errorMessage(e)}.`);
          return undefined;
        }
      };
      const cpuMilli = quantity('cpu');
      const memoryBytes = quantity('memory');
      const labels: Record<string, string> = {};
      for (const p of mapPairs(this.get(n, 'labels'))) {
        const k = keyOf(p);
        const v = str(deref(p.value, this.y.doc));
        if (k !== undefined && v !== undefined) labels[k] = v;
      }
      const unschedulable = this.get(n, 'unschedulable');
      if (!name || cpuMilli === undefined || memoryBytes === undefined) continue;
      out.push({
        name,
        cpuMilli,
        memoryBytes,
        labels,
        unschedulable: isScalar(unschedulable) && unschedulable.value === true,
      });
    }
    return out;
  }

  settings(node: AnyNode, securityNode: AnyNode): StackSettings {
    const s = this.section(node, 'settings', 'settings');
    const num = (k: string): number | undefined => {
      const v = this.get(s, k);
      if (!isScalar(v) || typeof v.value !== 'number') return undefined;
      if (!(v.value >= SETTING_MIN[k])) {
        this.at(v, 'FS1002', `settings.${k} must be a number of seconds ≥ ${SETTING_MIN[k]}.`);
        return undefined;
      }
      return v.value;
    };
    const security = this.section(securityNode, 'security', 'security');
    const allowNode = this.section(this.get(security, 'allow'), 'security.allow', 'security.allow');
    const allow = { ...DEFAULT_SETTINGS.allow };
    for (const k of STACK_KEYS['security.allow']) {
      const v = this.get(allowNode, k);
      allow[k] = isScalar(v) && v.value === true;
    }
    return {
      backoffBaseSeconds: num('backoffBaseSeconds') ?? DEFAULT_SETTINGS.backoffBaseSeconds,
      backoffMaxSeconds: num('backoffMaxSeconds') ?? DEFAULT_SETTINGS.backoffMaxSeconds,
      terminationGracePeriodSeconds: num('terminationGracePeriodSeconds'),
      resyncSeconds: num('resyncSeconds') ?? DEFAULT_SETTINGS.resyncSeconds,
      hpaSyncSeconds: num('hpaSyncSeconds') ?? DEFAULT_SETTINGS.hpaSyncSeconds,
      hpaDownscaleStabilizationSeconds: num('hpaDownscaleStabilizationSeconds'),
      bindAddress: str(this.get(s, 'bindAddress')) ?? DEFAULT_SETTINGS.bindAddress,
      allow,
    };
  }
}
