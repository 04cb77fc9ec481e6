// The stack file: flotilla.yaml, or a skaffold.yaml read for the same facts when there is no
// flotilla.yaml. This is the one reader of it: `up` loads the stack through it and the
// language server lints and navigates the stack file through it, so both accept the same
// files, with the same codes, messages, ranges and quick fixes. Paths are relative to the
// file's folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { errorMessage } from '../util/errors';
import { applyEnv } from './env-overrides';
import { DEFAULT_DOCKERFILES, STACK_FILES } from './file-names';
import { isDirectory } from './glob';
import type { Problem } from './problems';
import { isError } from './problems';
import { isQuantity, parseCpu, parseMemory } from './quantity';
import { closest } from './spelling';
import type { BuildSpec, NodeSpec, SourceRef, StackSettings } from './types';
import { deref, getIn, items, keyOf, mapPairs, offsetsOf, str, type AnyNode } from './yaml-nodes';
import { parseYamlFile, type YamlDoc } from './yaml-source';

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

/** Keys of flotilla.yaml per section, for validation, hover and completion. */
export const STACK_KEYS = {
  '': ['name', 'manifests', 'kustomize', 'build', 'nodes', 'settings', 'security'],
  build: ['image', 'context', 'dockerfile', 'args', 'target'],
  nodes: ['name', 'cpu', 'memory', 'labels', 'unschedulable'],
  settings: [
    'backoffBaseSeconds',
    'backoffMaxSeconds',
    'terminationGracePeriodSeconds',
    'resyncSeconds',
    'hpaSyncSeconds',
    'hpaDownscaleStabilizationSeconds',
    'bindAddress',
  ],
  security: ['allow'],
  'security.allow': ['privileged', 'hostNetwork', 'hostPID', 'hostPath', 'capabilities'],
} as const;

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

type Want = 'string' | 'number' | 'boolean' | 'quantity' | 'map' | 'list' | 'string-or-list';

const SHAPES: Record<string, Record<string, Want>> = {
  '': {
    name: 'string',
    manifests: 'list',
    kustomize: 'string-or-list',
    build: 'list',
    nodes: 'list',
    settings: 'map',
    security: 'map',
  },
  build: { image: 'string', context: 'string', dockerfile: 'string', args: 'map', target: 'string' },
  nodes: { name: 'string', cpu: 'quantity', memory: 'quantity', labels: 'map', unschedulable: 'boolean' },
  settings: {
    ...Object.fromEntries(STACK_KEYS.settings.map((k): [string, Want] => [k, 'number'])),
    bindAddress: 'string',
  },
  security: { allow: 'map' },
  'security.allow': Object.fromEntries(STACK_KEYS['security.allow'].map((k): [string, Want] => [k, 'boolean'])),
};

const WANT_TEXT: Record<Want, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  quantity: 'a quantity such as "2", 1500m or 2Gi',
  map: 'a mapping',
  list: 'a list',
  'string-or-list': 'a folder or a list of folders',
};

class StackReader {
  readonly problems: Problem[] = [];
  readonly file: string;
  readonly dir: string;

  constructor(readonly y: YamlDoc) {
    this.file = y.file;
    this.dir = path.dirname(y.file);
  }

  get root(): AnyNode {
    return deref(this.y.doc.contents, this.y.doc);
  }

  get(node: AnyNode, ...keys: (string | number)[]): AnyNode {
    return getIn(this.y.doc, node, ...keys);
  }

  list(node: AnyNode): Node[] {
    return items(this.y.doc, node);
  }

  source(node: AnyNode | Pair): SourceRef {
    const o = offsetsOf(node) ?? offsetsOf(this.root) ?? [0, 0];
    const s = this.y.lines.linePos(o[0]);
    const e = this.y.lines.linePos(o[1]);
    return { file: this.file, line: s.line, column: s.col, endLine: e.line, endColumn: e.col };
  }

  at(
    node: AnyNode | Pair,
    code: string,
    message: string,
    opts: { severity?: Problem['severity']; fix?: Problem['fix'] } = {},
  ): void {
    this.problems.push({ ...this.source(node), code, message, ...opts });
  }

  /** Checks one mapping's keys and value types against its section; returns it when it is a mapping. */
  section(node: AnyNode, section: keyof typeof SHAPES, where: string, required: string[] = []): AnyNode {
    const n = deref(node, this.y.doc);
    if (!n || (isScalar(n) && n.value === null)) return undefined;
    if (!isMap(n)) {
      this.at(n, 'FS1002', `${where} must be a mapping.`);
      return undefined;
    }
    const shape = SHAPES[section];
    const keys = Object.keys(shape);
    for (const p of mapPairs(n)) {
      const k = keyOf(p);
      if (k === undefined || !(k in shape)) {
        const guess = k === undefined ? undefined : closest(k, keys);
        this.at(
          p,
          'FS1001',
          `Unknown key "${k}" in ${where}.${guess ? ` Did you mean "${guess}"?` : ''} Known keys: ${keys.join(', ')}.`,
          { fix: guess ? { title: `Rename to ${guess}`, newText: guess } : undefined },
        );
        continue;
      }
      const v = deref(p.value, this.y.doc);
      if (!v || (isScalar(v) && v.value === null)) continue;
      if (!fits(v, shape[k])) {
        this.at(v, 'FS1002', `${where === 'the stack file' ? '' : `${where}.`}${k} must be ${WANT_TEXT[shape[k]]}.`);
      }
    }
    for (const k of required) {
      const v = this.get(n, k);
      if (!v || (isScalar(v) && (v.value === null || v.value === ''))) {
        const pair = mapPairs(n).find((p) => keyOf(p) === k);
        this.at(pair ?? n, 'FS1003', `${where} needs "${k}".`);
      }
    }
    return n;
  }

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
    const builds: BuildSpec[] = [];
    const images = new Set<string>();
    for (const b of this.list(this.get(root, 'build'))) {
      if (!this.section(b, 'build', 'build[]', ['image', 'context'])) continue;
      const image = str(this.get(b, 'image'));
      const context = str(this.get(b, 'context'));
      if (image && images.has(image)) this.at(this.get(b, 'image'), 'FS1007', `Image "${image}" is built twice.`);
      if (!image || context === undefined) continue;
      images.add(image);
      const spec = this.build(
        b,
        image,
        this.get(b, 'context'),
        this.get(b, 'dockerfile'),
        this.args(this.get(b, 'args')),
      );
      if (spec) builds.push({ ...spec, target: str(this.get(b, 'target')) });
    }
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
    const builds: BuildSpec[] = [];
    for (const a of this.list(this.get(root, 'build', 'artifacts'))) {
      const image = str(this.get(a, 'image'));
      if (!image) {
        this.at(a, 'FS1003', 'build.artifacts[] needs "image".');
        continue;
      }
      const spec = this.build(
        a,
        image,
        this.get(a, 'context'),
        this.get(a, 'docker', 'dockerfile'),
        this.args(this.get(a, 'docker', 'buildArgs')),
      );
      if (spec) builds.push({ ...spec, target: str(this.get(a, 'docker', 'target')) });
    }
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

  args(node: AnyNode): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of mapPairs(deref(node, this.y.doc))) {
      const k = keyOf(p);
      const v = deref(p.value, this.y.doc);
      if (k === undefined) continue;
      if (isScalar(v) && v.value !== null && typeof v.value !== 'object') out[k] = String(v.value);
      else this.at(v ?? p, 'FS1002', `Build argument ${k} must be a string.`);
    }
    return out;
  }

  build(
    b: Node,
    image: string,
    ctxNode: AnyNode,
    dfNode: AnyNode,
    buildArgs: Record<string, string>,
  ): BuildSpec | undefined {
    const ctxRel = str(ctxNode) ?? '.';
    const context = path.resolve(this.dir, ctxRel);
    const named = str(dfNode);
    const dockerfile = named
      ? path.resolve(context, named)
      : (DEFAULT_DOCKERFILES.map((f) => path.join(context, f)).find((f) => fs.existsSync(f)) ??
        path.join(context, DEFAULT_DOCKERFILES[0]));
    const imageNode = this.get(b, 'image');
    const where = (n: AnyNode) => n ?? imageNode ?? b;
    // A context or Dockerfile outside the stack folder is never read: the stack file must not
    // be a way to send (or echo in messages) files the project does not own.
    const checks: [string, AnyNode, string][] = [
      [context, ctxNode, 'build context'],
      [dockerfile, dfNode ?? ctxNode, 'Dockerfile'],
    ];
    for (const [p, node, what] of checks) {
      if (!inside(this.dir, p)) {
        this.at(
          where(node),
          'FS1008',
          `The ${what} ${path.relative(this.dir, p)} is outside the stack folder: Flotilla only builds from files under ${this.dir}.`,
        );
        return undefined;
      }
    }
    if (!isDirectory(context)) {
      this.at(where(ctxNode), 'FS1005', `Build context "${ctxRel}" is not a folder (${context}).`);
    } else if (!fs.existsSync(dockerfile)) {
      this.at(where(dfNode ?? ctxNode), 'FS1006', `No Dockerfile at ${path.relative(this.dir, dockerfile)}.`);
    }
    return { image, context, dockerfile, buildArgs, source: this.source(imageNode ?? b) };
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

function fits(v: Node, want: Want): boolean {
  const val = isScalar(v) ? v.value : undefined;
  switch (want) {
    case 'map':
      return isMap(v);
    case 'list':
      return isSeq(v);
    case 'string-or-list':
      return isSeq(v) || typeof val === 'string';
    case 'quantity':
      return isQuantity(val);
    default:
      return typeof val === want;
  }
}

/** `p` is the stack folder or below it, also after resolving symlinks. */
function inside(dir: string, p: string): boolean {
  const real = (x: string): string => {
    try {
      return fs.realpathSync(x);
    } catch {
      return x; // missing: compared as written, and reported as missing elsewhere
    }
  };
  const rel = path.relative(real(dir), real(p));
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}
