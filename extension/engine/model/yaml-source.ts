// YAML parsing with positions. Ranges from the `yaml` CST are file offsets, valid
// across `---` documents; a LineCounter turns them into 1-based line/column.
import * as YAML from 'yaml';
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
  const parsed = YAML.parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' }); // no process warnings for odd keys: problems are reported as problems
  const all = Array.isArray(parsed) ? parsed : [parsed];
  for (const doc of all) {
    for (const e of doc.errors) {
      const pos = lines.linePos(e.pos[0]);
      problems.push({ file, line: pos.line, column: pos.col, message: `YAML: ${firstLine(e.message)}`, code: 'YAML' });
    }
    if (doc.errors.length) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const pos = lines.linePos(doc.range[0]);
      problems.push({ file, line: pos.line, column: pos.col, message: `YAML: ${(e as Error).message}`, code: 'YAML' });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document between `---`
    docs.push({ file, doc, lines, value });
  }
  return { docs, problems };
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
