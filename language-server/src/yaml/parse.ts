// YAML parsing with source ranges: every document of a multi-document file keeps its own AST,
// and lookups never expand aliases (so an alias bomb costs nothing).
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { LineIndex } from '../core/lines';
import type { Finding, Range } from '../core/types';

export interface YamlFile {
  text: string;
  lines: LineIndex;
  docs: Document.Parsed[];
  syntax: Finding[];
}

export function parseYaml(text: string): YamlFile {
  const lines = new LineIndex(text);
  // uniqueKeys off: yaml's own check compares each key with every earlier one (quadratic: 50 000
  // keys took 40 s); the one-pass check below reports the same error.
  const docs = parseAllDocuments(text, {
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
    logLevel: 'error',
  }) as unknown;
  const list = Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
  const syntax: Finding[] = [];
  if (!Array.isArray(docs)) {
    // EmptyStream: nothing to validate
  }
  for (const d of list) {
    for (const err of d.errors) {
      const [s, e] = err.pos;
      syntax.push({
        code: 'FK1001',
        message: `YAML: ${err.message.split('\n')[0]}`,
        range: lines.range(s, Math.max(e, s + 1)),
      });
    }
    for (const [s, e] of duplicateKeys(d)) {
      syntax.push({
        code: 'FK1001',
        message: 'YAML: Map keys must be unique',
        range: lines.range(s, Math.max(e, s + 1)),
      });
    }
  }
  return { text, lines, docs: list, syntax };
}

/** Ranges of keys that repeat an earlier scalar key of the same mapping, one pass per mapping. */
function duplicateKeys(doc: Document.Parsed): [number, number][] {
  const out: [number, number][] = [];
  const walk = (n: unknown, depth: number): void => {
    if (depth > 1000) return;
    if (isMap(n)) {
      const seen = new Set<string>();
      for (const p of n.items as Pair<Node, Node | null>[]) {
        if (isScalar(p.key)) {
          const id = `${typeof p.key.value}:${String(p.key.value)}`;
          if (seen.has(id) && p.key.range) out.push([p.key.range[0], p.key.range[1]]);
          else seen.add(id);
        }
        walk(p.key, depth + 1);
        walk(p.value, depth + 1);
      }
    } else if (isSeq(n)) for (const it of n.items) walk(it, depth + 1);
  };
  walk(doc.contents, 0);
  return out;
}

export type AnyNode = Node | null | undefined;

/** Follows one alias hop (no expansion); aliases of aliases stop after a few hops. */
export function deref(node: AnyNode, doc: Document): AnyNode {
  let n: AnyNode = node;
  for (let hops = 0; n && isAlias(n) && hops < 8; hops++) n = n.resolve(doc);
  return n && isAlias(n) ? undefined : n;
}

export function mapPairs(node: AnyNode): Pair<Node, Node | null>[] {
  return isMap(node) ? (node.items as Pair<Node, Node | null>[]) : [];
}

export function keyOf(p: Pair<Node, Node | null>): string | undefined {
  return isScalar(p.key) ? String(p.key.value) : undefined;
}

export function pairOf(node: AnyNode, key: string): Pair<Node, Node | null> | undefined {
  return mapPairs(node).find((p) => keyOf(p) === key);
}

/** node[k1][k2]…, numbers index sequences. */
export function getIn(doc: Document, node: AnyNode, ...path: (string | number)[]): AnyNode {
  let n = deref(node, doc);
  for (const k of path) {
    if (typeof k === 'number') n = isSeq(n) ? (n.items[k] as AnyNode) : undefined;
    else n = pairOf(n, k)?.value;
    n = deref(n, doc);
    if (!n) return undefined;
  }
  return n;
}

export function str(node: AnyNode): string | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : undefined;
}

export function num(node: AnyNode): number | undefined {
  return isScalar(node) && typeof node.value === 'number' ? node.value : undefined;
}

export function items(doc: Document, node: AnyNode): Node[] {
  const n = deref(node, doc);
  return isSeq(n) ? (n.items as Node[]).map((i) => deref(i, doc)).filter((i): i is Node => !!i) : [];
}

/** A flat string map (labels, selectors); non-scalar values are ignored. */
export function stringMap(doc: Document, node: AnyNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of mapPairs(deref(node, doc))) {
    const k = keyOf(p);
    const v = str(deref(p.value, doc));
    if (k !== undefined && v !== undefined) out[k] = v;
  }
  return out;
}

export function nodeRange(lines: LineIndex, node: AnyNode | Pair): Range | undefined {
  if (!node) return undefined;
  if (isPair(node)) {
    const k = node.key as Node | null;
    return k?.range ? lines.range(k.range[0], k.range[1]) : undefined;
  }
  const r = node.range;
  return r ? lines.range(r[0], r[1]) : undefined;
}

/** Range of `key:` inside a mapping, else of the mapping's first line. */
export function keyRange(lines: LineIndex, map: AnyNode, key: string): Range | undefined {
  const p = pairOf(map, key);
  if (p) return nodeRange(lines, p);
  const r = (map as Node | undefined)?.range;
  return r ? lines.range(r[0], Math.min(r[1], lines.lineEnd(lines.position(r[0]).line))) : undefined;
}

export type { YAMLMap };
