// Hover and completion in flotilla.yaml.
import {
  CompletionItemKind,
  SymbolKind,
  type CompletionItem,
  type DocumentSymbol,
  type Hover,
} from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import { STACK_CHILDREN, STACK_KEYS } from '../stack/docs';
import { docAt, locate, textPathAt } from '../yaml/locate';
import { getIn, items, keyOf, mapPairs, nodeRange, pairOf, str, type YamlFile } from '../yaml/parse';

export function stackHover(y: YamlFile, lines: LineIndex, line: number, character: number): Hover | null {
  const doc = docAt(y.docs, lines.offset({ line, character }));
  if (!doc) return null;
  const at = locate(doc, lines.offset({ line, character }));
  const key = [...at.path].reverse().find((p): p is string => typeof p === 'string');
  const text = key ? STACK_KEYS[key] : undefined;
  return text ? { contents: { kind: 'markdown', value: `**${key}**\n\n${text}` } } : null;
}

export function stackCompletion(lines: LineIndex, line: number, character: number): CompletionItem[] {
  const tp = textPathAt(lines, line, character);
  if (tp.valueKey) {
    const bool =
      STACK_CHILDREN['security.allow'].includes(tp.valueKey) ||
      tp.valueKey === 'unschedulable' ||
      tp.valueKey === 'process';
    return bool ? ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Value })) : [];
  }
  const keys = STACK_CHILDREN[tp.parents.join('.')] ?? [];
  return keys
    .filter((k) => !tp.siblings.includes(k))
    .map((k) => ({ label: k, kind: CompletionItemKind.Property, documentation: STACK_KEYS[k], insertText: `${k}: ` }));
}

/** Outline of flotilla.yaml: one entry per top-level key, builds and nodes by name. */
export function stackSymbols(y: YamlFile): DocumentSymbol[] {
  const doc = y.docs[0];
  if (!doc) return [];
  const out: DocumentSymbol[] = [];
  for (const p of mapPairs(doc.contents)) {
    const k = keyOf(p);
    const keyR = nodeRange(y.lines, p);
    const valR = nodeRange(y.lines, p.value) ?? keyR;
    if (!k || !keyR || !valR) continue;
    const children: DocumentSymbol[] = [];
    if (k === 'build' || k === 'nodes') {
      for (const it of items(doc, p.value)) {
        const r = nodeRange(y.lines, it);
        const label = str(getIn(doc, it, k === 'build' ? 'image' : 'name'));
        const sel = nodeRange(y.lines, pairOf(it, k === 'build' ? 'image' : 'name')?.value) ?? r;
        if (r && sel && label) {
          children.push({
            name: label,
            detail: k === 'build' ? str(getIn(doc, it, 'context')) : undefined,
            kind: SymbolKind.Object,
            range: r,
            selectionRange: sel,
          });
        }
      }
    }
    out.push({
      name: k,
      kind: SymbolKind.Namespace,
      range: { start: keyR.start, end: valR.end },
      selectionRange: keyR,
      children,
    });
  }
  return out;
}
