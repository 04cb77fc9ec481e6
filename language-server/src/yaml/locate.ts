// Where a cursor is inside YAML: the AST path (hover, definition) for well-formed text, and
// an indentation-based path (completion) that also works on half-typed lines.
import { isMap, isNode, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LineIndex } from '../core/lines';
import { keyOf, mapPairs } from './parse';

export interface Located {
  path: (string | number)[];
  node?: Node;
  onKey: boolean;
}

const within = (n: Node | null | undefined, off: number) => !!n?.range && n.range[0] <= off && off <= n.range[1];

export function locate(doc: Document, offset: number): Located {
  const path: (string | number)[] = [];
  let n = doc.contents;
  for (let depth = 0; n && depth < 200; depth++) {
    if (isMap(n)) {
      let next: Node | null = null;
      for (const p of mapPairs(n)) {
        const k = keyOf(p);
        if (within(p.key, offset)) return { path: k === undefined ? path : [...path, k], node: p.key, onKey: true };
        if (within(p.value, offset) && k !== undefined) {
          path.push(k);
          next = p.value;
          break;
        }
      }
      if (!next) return { path, node: n, onKey: false };
      n = next;
    } else if (isSeq(n)) {
      const i = n.items.findIndex((it) => isNode(it) && within(it, offset));
      if (i < 0) return { path, node: n, onKey: false };
      path.push(i);
      const item: unknown = n.items[i];
      n = isNode(item) ? item : null;
    } else return { path, node: n, onKey: false };
  }
  return { path, node: n ?? undefined, onKey: false };
}

export function docAt(docs: Document[], offset: number): Document | undefined {
  return docs.find((d) => !!d.range && d.range[0] <= offset && offset <= d.range[2]) ?? docs[docs.length - 1];
}

export interface TextPath {
  /** Keys from the document root to the mapping being edited. */
  parents: string[];
  /** Set when the cursor is after `key:` on its line: a value is being typed. */
  valueKey?: string;
  /** Keys already present beside the cursor. */
  siblings: string[];
  kind?: string;
  apiVersion?: string;
}

const LINE = /^(\s*)((?:-\s+)*)(.*)$/;

function contentIndent(text: string): { indent: number; dash: boolean; rest: string } {
  const m = LINE.exec(text)!;
  return { indent: m[1].length + m[2].length, dash: m[2].length > 0, rest: m[3] };
}

export function textPathAt(lines: LineIndex, line: number, character: number): TextPath {
  const before = lines.lineText(line).slice(0, character);
  const cur = contentIndent(before);
  const kv = /^([\w.\-/]+):\s*(.*)$/.exec(cur.rest);
  const res: TextPath = { parents: [], siblings: [] };
  if (kv) res.valueKey = kv[1];
  let target = cur.indent;
  // find the document bounds for kind/apiVersion and siblings
  let start = line;
  while (start > 0 && !/^---/.test(lines.lineText(start))) start--;
  let end = line + 1;
  while (end < lines.lineCount && !/^---/.test(lines.lineText(end))) end++;
  for (let l = start; l < end; l++) {
    const t = lines.lineText(l);
    const k = /^kind:\s*(\S+)/.exec(t);
    const a = /^apiVersion:\s*(\S+)/.exec(t);
    if (k) res.kind = k[1].replace(/['"]/g, '');
    if (a) res.apiVersion = a[1].replace(/['"]/g, '');
  }
  // Upwards: keys beside the cursor, then the parents' keys; a list item's own keys stop at its dash.
  let sameLevel = true;
  for (let l = line - 1; l >= start; l--) {
    if (target === 0 && !sameLevel) break; // every parent found
    const t = lines.lineText(l);
    if (!t.trim() || t.trimStart().startsWith('#') || /^---/.test(t)) continue;
    const c = contentIndent(t);
    const key = /^([\w.\-/]+):/.exec(c.rest)?.[1];
    if (c.indent === target && sameLevel && key) res.siblings.push(key);
    if (c.dash && c.indent === target) sameLevel = false; // the start of our list item: earlier lines are other items
    if (c.indent < target) {
      const bare = /^([\w.\-/]+):\s*(#.*)?$/.exec(c.rest);
      if (bare) {
        res.parents.unshift(bare[1]);
        target = c.indent;
        sameLevel = false;
      } else if (c.dash) {
        target = c.indent - 2;
      }
    }
  }
  // Downwards: the keys of the same mapping below the cursor, up to its end or the next list item.
  for (let l = line + 1; l < end; l++) {
    const t = lines.lineText(l);
    if (!t.trim() || t.trimStart().startsWith('#')) continue;
    const c = contentIndent(t);
    if (c.indent < cur.indent || (c.dash && c.indent === cur.indent)) break;
    const key = c.indent === cur.indent ? /^([\w.\-/]+):/.exec(c.rest)?.[1] : undefined;
    if (key) res.siblings.push(key);
  }
  return res;
}

export function scalarText(n: Node | undefined): string | undefined {
  return isScalar(n) && n.value !== null ? String(n.value) : undefined;
}
