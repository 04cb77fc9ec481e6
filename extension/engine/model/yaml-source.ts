// YAML parsing with positions. Ranges from the `yaml` CST are file offsets, valid
// across `---` documents; a LineCounter turns them into 1-based line/column.
import * as YAML from 'yaml';
import { errorMessage } from '../util/errors';
import type { Problem } from './problems';
import type { SourceRef } from './types';

export type YamlPath = (string | number)[];

export interface YamlDoc {
  file: string;
  doc: YAML.Document.Parsed;
  lines: YAML.LineCounter;
  /** The document as plain data (aliases expanded with a bound against alias bombs). */
  value: unknown;
}

export interface ParsedYaml {
  docs: YamlDoc[];
  problems: Problem[];
}

export function parseYamlFile(file: string, text: string): ParsedYaml {
  const lines = new YAML.LineCounter();
  const problems: Problem[] = [];
  const docs: YamlDoc[] = [];
  // uniqueKeys off: yaml's own check compares every key with every earlier one (50 000 keys took
  // 40 s); duplicateKeys below does the same in one pass. logLevel error: no process warnings.
  const parsed = YAML.parseAllDocuments(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
    logLevel: 'error',
    merge: true, // `<<: *anchor` merges, as Kubernetes' YAML 1.1 reader does
  });
  const all = Array.isArray(parsed) ? parsed : [parsed];
  for (const doc of all) {
    const at = (start: number, end: number, message: string): Problem => {
      const s = lines.linePos(start);
      const e = lines.linePos(Math.max(end, start + 1));
      return { file, line: s.line, column: s.col, endLine: e.line, endColumn: e.col, message, code: 'FK1001' };
    };
    for (const e of doc.errors) problems.push(at(e.pos[0], e.pos[1], `YAML: ${firstLine(e.message)}`));
    for (const [start, end] of duplicateKeys(doc)) {
      doc.errors.push(new YAML.YAMLParseError([start, end], 'DUPLICATE_KEY', 'Map keys must be unique'));
      problems.push(at(start, end, 'YAML: Map keys must be unique'));
    }
    if (doc.errors.length) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      problems.push(at(doc.range[0], doc.range[0] + 1, `YAML: ${errorMessage(e)}`));
      continue;
    }
    if (value === null || value === undefined) continue; // empty document between `---`
    docs.push({ file, doc, lines, value });
  }
  return { docs, problems };
}

/** Ranges of keys that repeat an earlier scalar key of the same mapping, in one pass per mapping. */
export function duplicateKeys(doc: YAML.Document.Parsed): [number, number][] {
  const out: [number, number][] = [];
  YAML.visit(doc, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const k = pair.key;
        if (!YAML.isScalar(k) || typeof k.value === 'symbol') continue;
        const id = `${typeof k.value}:${String(k.value)}`;
        if (seen.has(id)) out.push(k.range ? [k.range[0], k.range[1]] : [0, 1]);
        else seen.add(id);
      }
    },
  });
  return out;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** The source position of the node at `path`, or of its nearest existing ancestor. */
export function locate(d: YamlDoc, path: YamlPath, key = false): SourceRef {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n);
    const node = sub.length ? d.doc.getIn(sub, true) : d.doc.contents;
    if (!node) continue;
    let offset: number | undefined;
    if (key && n === path.length && n > 0) offset = keyOffset(d, sub);
    if (offset === undefined && YAML.isNode(node) && node.range) offset = node.range[0];
    if (offset !== undefined) {
      const p = d.lines.linePos(offset);
      return { file: d.file, line: p.line, column: p.col };
    }
  }
  return { file: d.file, line: 1, column: 1 };
}

function keyOffset(d: YamlDoc, path: YamlPath): number | undefined {
  const parent = path.length > 1 ? d.doc.getIn(path.slice(0, -1), true) : d.doc.contents;
  if (!YAML.isMap(parent)) return undefined;
  const last = path[path.length - 1];
  const pair = parent.items.find((it) => YAML.isScalar(it.key) && it.key.value === last);
  return pair && YAML.isNode(pair.key) && pair.key.range ? pair.key.range[0] : undefined;
}
