// The stack file's node-level reader: the keys each section takes, their value types, and
// the checks every section shares (unknown keys with a "did you mean", wrong types, required
// keys), each problem with its place in the file. stack-file.ts reads the sections with it.
import * as path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Problem } from './problems';
import { isQuantity } from './quantity';
import { closest } from './spelling';
import type { SourceRef } from './types';
import { deref, getIn, items, keyOf, mapPairs, offsetsOf, type AnyNode } from './yaml-nodes';
import type { YamlDoc } from './yaml-source';

/** Keys of flotilla.yaml per section, for validation, hover and completion. */
export const STACK_KEYS = {
  '': ['name', 'manifests', 'kustomize', 'build', 'nodes', 'settings', 'security'],
  build: ['image', 'context', 'dockerfile', 'args', 'target', 'sync', 'restart', 'rebuildOn'],
  'build.sync': ['src', 'dest'],
  'build.restart': ['signal', 'exec', 'process'],
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

export type Want = 'string' | 'number' | 'boolean' | 'quantity' | 'map' | 'list' | 'string-or-list';

export const SHAPES: Record<string, Record<string, Want>> = {
  '': {
    name: 'string',
    manifests: 'list',
    kustomize: 'string-or-list',
    build: 'list',
    nodes: 'list',
    settings: 'map',
    security: 'map',
  },
  build: {
    image: 'string',
    context: 'string',
    dockerfile: 'string',
    args: 'map',
    target: 'string',
    sync: 'list',
    restart: 'map',
    rebuildOn: 'list',
  },
  'build.sync': { src: 'string', dest: 'string' },
  'build.restart': { signal: 'string', exec: 'list', process: 'boolean' },
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
export class StackNodeReader {
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
}

export function fits(v: Node, want: Want): boolean {
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
