// YAML parsing with source ranges: every document of a multi-document file keeps its own AST,
// and lookups never expand aliases (so an alias bomb costs nothing).
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
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
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false }) as unknown;
  const list = Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
  const syntax: Finding[] = [];
  if (!Array.isArray(docs)) {
    // EmptyStream: nothing to validate
  }
  for (const d of list)
    for (const err of d.errors) {
      const [s, e] = err.pos;
      syntax.push({ code: 'FK1001', message: `YAML: ${err.message.split('\n')[0]}`, range: lines.range(s, Math.max(e, s + 1)) });
    }
  return { text, lines, docs: list, syntax };
}

export type AnyNode = Node | null | undefined;

/** Follows one alias hop (no expansion); aliases of aliases stop after a few hops. */
export function deref(node: AnyNode, doc: Document): AnyNode {
  let n: AnyNode = node;
  for (let hops = 0; n && isAlias(n) && hops < 8; hops++) n = n.resolve(doc) as AnyNode;
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
  const r = (node as Node).range;
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
