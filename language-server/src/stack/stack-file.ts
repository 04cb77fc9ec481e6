// The stack file: flotilla.yaml (validated key by key) or, failing that, skaffold.yaml
// (read for the same facts: images, contexts, Dockerfiles and manifest globs).
import { existsSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { Finding, Range } from '../core/types';
import { isQuantity } from '../k8s/quantity';
import { closest } from '../k8s/validate';
import {
  deref,
  getIn,
  items,
  keyOf,
  keyRange,
  mapPairs,
  nodeRange,
  str,
  type AnyNode,
  type YamlFile,
} from '../yaml/parse';
import { expandGlob, walk } from './glob';

export type AllowKey = 'privileged' | 'hostNetwork' | 'hostPID' | 'hostPath' | 'capabilities';

export interface StackBuild {
  image: string;
  context: string;
  dockerfile: string;
  target?: string;
  range: Range;
}

export interface Stack {
  file: string;
  dir: string;
  kind: 'flotilla' | 'skaffold';
  name?: string;
  manifests: string[];
  builds: StackBuild[];
  allow: Record<AllowKey, boolean>;
}

export { STACK_FILES } from '../../../extension/engine/model/file-names';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ALLOW_KEYS: AllowKey[] = ['privileged', 'hostNetwork', 'hostPID', 'hostPath', 'capabilities'];
const SETTINGS = [
  'backoffBaseSeconds',
  'backoffMaxSeconds',
  'terminationGracePeriodSeconds',
  'resyncSeconds',
  'hpaSyncSeconds',
  'hpaDownscaleStabilizationSeconds',
  'bindAddress',
];

type Shape = Record<string, 'string' | 'number' | 'boolean' | 'quantity' | 'map' | 'list' | 'object'>;
const TOP: Shape = {
  name: 'string',
  manifests: 'list',
  build: 'list',
  nodes: 'list',
  settings: 'object',
  security: 'object',
};
const BUILD: Shape = { image: 'string', context: 'string', dockerfile: 'string', args: 'map', target: 'string' };
const NODE: Shape = { name: 'string', cpu: 'quantity', memory: 'quantity', labels: 'map', unschedulable: 'boolean' };

export function readStack(
  file: string,
  y: YamlFile,
  list: (dir: string) => string[] = walk,
): { stack: Stack; findings: Finding[] } {
  const dir = path.dirname(file);
  const kind = path.basename(file).startsWith('skaffold') ? 'skaffold' : 'flotilla';
  const stack: Stack = {
    file,
    dir,
    kind,
    manifests: [],
    builds: [],
    allow: Object.fromEntries(ALLOW_KEYS.map((k) => [k, false])) as Record<AllowKey, boolean>,
  };
  const out: Finding[] = [...y.syntax];
  const doc = y.docs[0];
  const root = doc ? deref(doc.contents, doc) : undefined;
  if (!doc || !isMap(root)) {
    if (!y.syntax.length) {
      out.push({
        code: 'FS1003',
        message: 'The stack file is empty; it needs at least "name" and "manifests".',
        range: y.lines.range(0, 0),
      });
    }
    return { stack, findings: out };
  }
  const files = list(dir);
  const c = new Checker(doc, y, out);
  if (kind === 'skaffold') readSkaffold(c, root, stack, files);
  else readFlotilla(c, root, stack, files);
  return { stack, findings: out };
}

class Checker {
  constructor(
    readonly doc: Document,
    readonly y: YamlFile,
    readonly out: Finding[],
  ) {}
  at(node: AnyNode | Pair, code: string, message: string, fix?: { title: string; newText: string }): void {
    const r = nodeRange(this.y.lines, node);
    if (r) {
      this.out.push({
        code,
        message,
        range: r,
        ...(fix ? { fix: { title: fix.title, edits: [{ range: r, newText: fix.newText }] } } : {}),
      });
    }
  }
  /** Checks keys and value shapes of one mapping; returns it (or undefined). */
  shape(node: AnyNode, shape: Shape, where: string, required: string[] = []): AnyNode {
    const n = deref(node, this.doc);
    if (!isMap(n)) {
      if (n) this.at(n, 'FS1002', `${where} must be a mapping.`);
      return undefined;
    }
    for (const p of mapPairs(n)) {
      const k = keyOf(p);
      if (k === undefined || !(k in shape)) {
        const guess = k === undefined ? undefined : closest(k, Object.keys(shape));
        this.at(
          p,
          'FS1001',
          `Unknown key "${k}" in ${where}.${guess ? ` Did you mean "${guess}"?` : ''} Known keys: ${Object.keys(shape).join(', ')}.`,
          guess ? { title: `Rename to ${guess}`, newText: guess } : undefined,
        );
        continue;
      }
      const v = deref(p.value, this.doc);
      if (!v || (isScalar(v) && v.value === null)) continue;
      const want = shape[k];
      const val = isScalar(v) ? v.value : undefined;
      const ok =
        want === 'map' || want === 'object'
          ? isMap(v)
          : want === 'list'
            ? isSeq(v)
            : want === 'quantity'
              ? (typeof val === 'string' || typeof val === 'number') && isQuantity(val)
              : typeof val === want;
      if (!ok) {
        this.at(
          v,
          'FS1002',
          `${where}.${k} must be ${want === 'quantity' ? 'a quantity such as "2" or 2Gi' : `a ${want}`}.`,
        );
      }
    }
    for (const k of required) {
      if (!str(getIn(this.doc, n, k)) && !getIn(this.doc, n, k)) {
        const r = keyRange(this.y.lines, n, k);
        if (r) this.out.push({ code: 'FS1003', message: `${where} needs "${k}".`, range: r });
      }
    }
    return n;
  }
}

function readFlotilla(c: Checker, root: Node, stack: Stack, files: string[]): void {
  const { doc } = c;
  c.shape(root, TOP, 'the stack file', ['name', 'manifests']);
  const nameNode = getIn(doc, root, 'name');
  const name = str(nameNode);
  stack.name = name;
  if (name !== undefined && !DNS_LABEL.test(name)) {
    const label = name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63);
    c.at(
      nameNode,
      'FS1002',
      `name "${name}" must be a DNS label: lowercase letters, digits and '-'.`,
      DNS_LABEL.test(label) ? { title: `Use ${label}`, newText: label } : undefined,
    );
  }
  for (const g of items(doc, getIn(doc, root, 'manifests'))) globItem(c, g, stack, files);
  const images = new Map<string, Node>();
  for (const b of items(doc, getIn(doc, root, 'build'))) {
    if (!c.shape(b, BUILD, 'build[]', ['image', 'context'])) continue;
    const image = str(getIn(doc, b, 'image'));
    if (image && images.has(image)) c.at(getIn(doc, b, 'image'), 'FS1007', `Image "${image}" is built twice.`);
    if (image) images.set(image, b);
    addBuild(c, stack, b, image, getIn(doc, b, 'context'), getIn(doc, b, 'dockerfile'), str(getIn(doc, b, 'target')));
  }
  const nodes = new Set<string>();
  for (const n of items(doc, getIn(doc, root, 'nodes'))) {
    if (!c.shape(n, NODE, 'nodes[]', ['name'])) continue;
    const nn = str(getIn(doc, n, 'name'));
    if (nn && nodes.has(nn)) c.at(getIn(doc, n, 'name'), 'FS1007', `Node "${nn}" is declared twice.`);
    if (nn) nodes.add(nn);
  }
  const settings = c.shape(
    getIn(doc, root, 'settings'),
    Object.fromEntries(SETTINGS.map((k) => [k, k === 'bindAddress' ? 'string' : 'number'])),
    'settings',
  );
  for (const p of mapPairs(settings)) {
    const v = deref(p.value, doc);
    if (isScalar(v) && typeof v.value === 'number' && v.value < 0) {
      c.at(v, 'FS1002', `settings.${keyOf(p)} cannot be negative.`);
    }
  }
  const security = c.shape(getIn(doc, root, 'security'), { allow: 'object' }, 'security');
  const allow = c.shape(
    getIn(doc, security, 'allow'),
    Object.fromEntries(ALLOW_KEYS.map((k) => [k, 'boolean'])),
    'security.allow',
  );
  for (const k of ALLOW_KEYS) {
    const v = getIn(doc, allow, k);
    stack.allow[k] = isScalar(v) && v.value === true;
  }
}

function readSkaffold(c: Checker, root: Node, stack: Stack, files: string[]): void {
  const { doc } = c;
  for (const a of items(doc, getIn(doc, root, 'build', 'artifacts'))) {
    addBuild(
      c,
      stack,
      a,
      str(getIn(doc, a, 'image')),
      getIn(doc, a, 'context'),
      getIn(doc, a, 'docker', 'dockerfile'),
      str(getIn(doc, a, 'docker', 'target')),
      true,
    );
  }
  const globs = [
    ...items(doc, getIn(doc, root, 'manifests', 'rawYaml')),
    ...items(doc, getIn(doc, root, 'deploy', 'kubectl', 'manifests')),
  ];
  for (const g of globs) globItem(c, g, stack, files);
}

function globItem(c: Checker, g: Node, stack: Stack, files: string[]): void {
  const glob = str(g);
  if (glob === undefined || !isScalar(g) || typeof g.value !== 'string') {
    return c.at(g, 'FS1002', 'A manifest glob must be a string.');
  }
  const matched = expandGlob(stack.dir, glob, files);
  if (!matched.length) c.at(g, 'FS1004', `"${glob}" matches no file under ${stack.dir}.`);
  for (const m of matched) if (!stack.manifests.includes(m)) stack.manifests.push(m);
}

function addBuild(
  c: Checker,
  stack: Stack,
  b: Node,
  image: string | undefined,
  ctxNode: AnyNode,
  dfNode: AnyNode,
  target: string | undefined,
  ctxOptional = false,
): void {
  const ctxRel = str(ctxNode) ?? (ctxOptional ? '.' : undefined);
  if (!image || ctxRel === undefined) return;
  const context = path.resolve(stack.dir, ctxRel);
  const dockerfile = path.resolve(context, str(dfNode) ?? 'Dockerfile');
  const range = nodeRange(c.y.lines, getIn(c.doc, b, 'image')) ?? nodeRange(c.y.lines, b)!;
  // A context or Dockerfile outside the stack folder is never read: the stack file must not
  // be a way to send (or echo in messages) files the project does not own.
  const outside = [
    [context, ctxNode, 'build context'],
    [dockerfile, dfNode ?? ctxNode, 'Dockerfile'],
  ] as const;
  for (const [p, node, what] of outside) {
    if (!inside(stack.dir, p)) {
      c.at(
        node ?? getIn(c.doc, b, 'image'),
        'FS1008',
        `The ${what} ${path.relative(stack.dir, p)} is outside the stack folder: Flotilla only builds from files under ${stack.dir}.`,
      );
      return;
    }
  }
  if (!isDir(context)) {
    c.at(ctxNode ?? getIn(c.doc, b, 'image'), 'FS1005', `Build context "${ctxRel}" is not a folder (${context}).`);
  } else if (!existsSync(dockerfile)) {
    c.at(
      dfNode ?? ctxNode ?? getIn(c.doc, b, 'image'),
      'FS1006',
      `No Dockerfile at ${path.relative(stack.dir, dockerfile)}.`,
    );
  }
  stack.builds.push({ image, context, dockerfile, target, range });
}

/** `p` is the stack folder or below it, also after resolving symlinks. */
function inside(dir: string, p: string): boolean {
  const real = (x: string): string => {
    try {
      return realpathSync(x);
    } catch {
      return x;
    }
  };
  const [d, q] = [real(dir), real(p)];
  return q === d || q.startsWith(d + path.sep);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
