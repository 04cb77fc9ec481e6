// YAML parsing with source ranges: every document of a multi-document file keeps its own AST,
// and lookups never expand aliases (so an alias bomb costs nothing).
import { isNode, isPair, parseAllDocuments, type Document, type Pair, type YAMLMap } from 'yaml';
import { pairOf, type AnyNode } from '../../../extension/engine/model/yaml-nodes';
import { duplicateKeys } from '../../../extension/engine/model/yaml-source';
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
  const parsed = parseAllDocuments(text, {
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
    logLevel: 'error',
    merge: true, // `<<: *anchor` merges, as Kubernetes' YAML 1.1 reader (and the engine) does
  });
  // an empty stream parses to an EmptyStream (an empty array of documents)
  const list: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
  const syntax: Finding[] = [];
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

export {
  deref,
  effectivePairs,
  getIn,
  isMergeKey,
  isUnset,
  items,
  keyOf,
  mapPairs,
  num,
  pairOf,
  str,
  stringMap,
  type AnyNode,
} from '../../../extension/engine/model/yaml-nodes';

export function nodeRange(lines: LineIndex, node: AnyNode | Pair): Range | undefined {
  if (!node) return undefined;
  if (isPair(node)) {
    const k: unknown = node.key;
    return isNode(k) && k.range ? lines.range(k.range[0], k.range[1]) : undefined;
  }
  const r = node.range;
  return r ? lines.range(r[0], r[1]) : undefined;
}

/** Range of `key:` inside a mapping, else of the mapping's first line. */
export function keyRange(lines: LineIndex, map: AnyNode, key: string): Range | undefined {
  const p = pairOf(map, key);
  if (p) return nodeRange(lines, p);
  const r = map?.range;
  return r ? lines.range(r[0], Math.min(r[1], lines.lineEnd(lines.position(r[0]).line))) : undefined;
}

export type { YAMLMap };
