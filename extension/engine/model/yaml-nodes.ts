// Reading a parsed YAML document through its AST, with every node's source range at hand,
// without expanding aliases (an alias bomb costs nothing). The stack-file reader and the
// table of honoured fields read this way so the engine and the language server get the
// same answers and the same ranges.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';

export type AnyNode = Node | null | undefined;

/** Follows alias hops (no expansion); aliases of aliases stop after a few hops. */
export function deref(node: AnyNode, doc: Document): AnyNode {
  let n: AnyNode = node;
  for (let hops = 0; n && isAlias(n) && hops < 8; hops++) n = n.resolve(doc);
  return n && isAlias(n) ? undefined : n;
}

// Parsed documents are not changed after parsing (an edit parses the text again): the pair
// lists of a mapping are computed once per node.
const ownPairs = new WeakMap<object, Pair<Node, Node | null>[]>();
const mergedPairs = new WeakMap<object, Pair<Node, Node | null>[]>();

export function mapPairs(node: AnyNode): Pair<Node, Node | null>[] {
  if (!isMap(node)) return [];
  let pairs = ownPairs.get(node);
  if (!pairs) ownPairs.set(node, (pairs = node.items.filter((p): p is Pair<Node, Node | null> => isPair(p))));
  return pairs;
}

/** A pair's key as text; undefined for complex keys and merge keys. */
export function keyOf(p: Pair<Node, Node | null>): string | undefined {
  if (!isScalar(p.key) || typeof p.key.value === 'symbol') return undefined;
  return String(p.key.value);
}

/** A YAML merge key (`<<: *base`): its entries belong to the mapping that holds it. */
export function isMergeKey(p: Pair<Node, Node | null>): boolean {
  return isScalar(p.key) && (typeof p.key.value === 'symbol' || p.key.value === '<<');
}

/**
 * The pairs of a mapping as Kubernetes sees them: merge keys (`<<: *anchor`, `<<: [*a, *b]`)
 * expanded one level deep, the mapping's own keys winning over merged ones.
 */
export function effectivePairs(node: AnyNode, doc: Document): Pair<Node, Node | null>[] {
  const own = mapPairs(node);
  if (!own.some(isMergeKey)) return own;
  const known = node && mergedPairs.get(node);
  if (known) return known;
  const out: Pair<Node, Node | null>[] = [];
  const seen = new Set<string>();
  for (const p of own) {
    if (isMergeKey(p)) continue;
    const k = keyOf(p);
    if (k !== undefined) seen.add(k);
    out.push(p);
  }
  for (const p of own) {
    if (!isMergeKey(p)) continue;
    const v = deref(p.value, doc);
    const sources = isSeq(v) ? v.items.map((i) => deref(i as AnyNode, doc)) : [v];
    for (const src of sources) {
      for (const q of mapPairs(src)) {
        const k = keyOf(q);
        if (k === undefined || seen.has(k) || isMergeKey(q)) continue;
        seen.add(k);
        out.push(q);
      }
    }
  }
  if (node) mergedPairs.set(node, out);
  return out;
}

export function pairOf(node: AnyNode, key: string, doc?: Document): Pair<Node, Node | null> | undefined {
  return (doc ? effectivePairs(node, doc) : mapPairs(node)).find((p) => keyOf(p) === key);
}

/** node[k1][k2]…; numbers index sequences, merge keys count. */
export function getIn(doc: Document, node: AnyNode, ...path: (string | number)[]): AnyNode {
  let n = deref(node, doc);
  for (const k of path) {
    if (typeof k === 'number') n = isSeq(n) ? (n.items[k] as AnyNode) : undefined;
    else n = pairOf(n, k, doc)?.value;
    n = deref(n, doc);
    if (!n) return undefined;
  }
  return n;
}

/** A scalar's text (numbers and booleans as written by String()). */
export function str(node: AnyNode): string | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : undefined;
}

export function num(node: AnyNode): number | undefined {
  return isScalar(node) && typeof node.value === 'number' ? node.value : undefined;
}

/** A null, empty or absent value: Kubernetes reads all three as unset. */
export function isUnset(node: AnyNode): boolean {
  return !node || (isScalar(node) && (node.value === null || node.value === undefined));
}

export function items(doc: Document, node: AnyNode): Node[] {
  const n = deref(node, doc);
  return isSeq(n) ? n.items.map((i) => deref(i as AnyNode, doc)).filter((i): i is Node => !!i) : [];
}

/** A flat string map (labels, selectors); non-scalar values are left out. */
export function stringMap(doc: Document, node: AnyNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of effectivePairs(deref(node, doc), doc)) {
    const k = keyOf(p);
    const v = str(deref(p.value, doc));
    if (k !== undefined && v !== undefined) out[k] = v;
  }
  return out;
}

/** [start, end) offsets of a node, or of a pair's key. */
export function offsetsOf(node: AnyNode | Pair): [number, number] | undefined {
  if (!node) return undefined;
  if (isPair(node)) {
    const k = node.key;
    return isScalar(k) && k.range ? [k.range[0], k.range[1]] : undefined;
  }
  return node.range ? [node.range[0], node.range[1]] : undefined;
}
