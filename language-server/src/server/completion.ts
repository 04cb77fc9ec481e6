// Completion: Dockerfile instructions and flags; manifest keys and enum values from the schema.
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import { FLAG_DOCS, INSTRUCTION_DOCS } from '../dockerfile/docs';
import { FLAGS, INSTRUCTIONS } from '../dockerfile/syntax';
import { parseDockerfile } from '../dockerfile/model';
import { ENUMS, SCHEMA, kindType, resolvePath } from '../k8s/schema';
import { textPathAt } from '../yaml/locate';
import { typeLabel } from './hover';

export function dockerfileCompletion(lines: LineIndex, line: number, character: number): CompletionItem[] {
  const before = lines.lineText(line).slice(0, character);
  if (/^\s*COPY\s.*--from=[\w.-]*$/i.test(before)) {
    // the stages defined above this line
    const stages = parseDockerfile(lines.text).stages.filter((st) => st.from.getRange().start.line < line);
    return stages.map((st) => ({
      label: st.name ?? String(st.index),
      kind: CompletionItemKind.Reference,
      detail: st.from.getArguments()[0]?.getValue(),
    }));
  }
  if (/^\s*[A-Za-z]*$/.test(before)) {
    return INSTRUCTIONS.map((kw) => ({
      label: kw,
      kind: CompletionItemKind.Keyword,
      documentation: { kind: 'markdown', value: INSTRUCTION_DOCS[kw] },
      insertText: kw + ' ',
    }));
  }
  const m = /^\s*([A-Za-z]+)\s+(?:--[\w-]+=\S*\s+)*-{0,2}[\w-]*$/.exec(before);
  if (m && before.trimEnd().split(/\s+/).pop()!.startsWith('-')) {
    const flags = FLAGS[m[1].toUpperCase()] ?? [];
    const dash = /-*[\w-]*$/.exec(before)![0];
    const start = { line, character: character - dash.length };
    return flags.map((f) => ({
      label: '--' + f,
      kind: CompletionItemKind.Property,
      documentation: FLAG_DOCS[f],
      textEdit: {
        range: { start, end: { line, character } },
        newText: f === 'link' || f === 'parents' ? `--${f}` : `--${f}=`,
      },
    }));
  }
  return [];
}

export function manifestCompletion(lines: LineIndex, line: number, character: number): CompletionItem[] {
  const tp = textPathAt(lines, line, character);
  if (tp.valueKey) {
    if (!tp.parents.length && tp.valueKey === 'kind') {
      return [...new Set(Object.keys(SCHEMA.kinds).map((k) => k.split('/').pop()!))].map((k) => ({
        label: k,
        kind: CompletionItemKind.Class,
      }));
    }
    if (!tp.parents.length && tp.valueKey === 'apiVersion') {
      const versions = Object.keys(SCHEMA.kinds)
        .filter((k) => !tp.kind || k.endsWith('/' + tp.kind))
        .map((k) => k.slice(0, k.lastIndexOf('/')));
      return [...new Set(versions)].map((v) => ({ label: v, kind: CompletionItemKind.Module }));
    }
  }
  const root = tp.apiVersion && tp.kind ? kindType(tp.apiVersion, tp.kind) : undefined;
  if (!root) {
    if (!tp.parents.length && !tp.valueKey) {
      return ['apiVersion', 'kind', 'metadata', 'spec'].map((k) => ({
        label: k,
        kind: CompletionItemKind.Property,
        insertText: `${k}: `,
      }));
    }
    return [];
  }
  if (tp.valueKey) {
    const res = resolvePath(root, [...tp.parents, tp.valueKey]);
    const vals = res.owner && res.field ? ENUMS[`${res.owner}.${res.field}`] : undefined;
    if (vals) return vals.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
    if (res.type?.k === 'boolean') return ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Value }));
    return [];
  }
  const res = tp.parents.length ? resolvePath(root, tp.parents) : { type: { k: 'ref' as const, n: root } };
  let t = res.type;
  while (t && t.k === 'array') t = t.of;
  if (!t || t.k !== 'ref') return [];
  const def = SCHEMA.types[t.n];
  return Object.entries(def?.p ?? {})
    .filter(([k, p]) => !tp.siblings.includes(k) && !p.ro)
    .map(([k, p]) => {
      const nested = p.t.k === 'ref' || p.t.k === 'map' || p.t.k === 'array';
      const snippet = p.t.k === 'array' ? `${k}:\n  - $0` : nested ? `${k}:\n  $0` : `${k}: $0`;
      return {
        label: k,
        kind: CompletionItemKind.Property,
        detail: typeLabel(p.t) + (p.r ? ' (required)' : ''),
        documentation: p.d,
        insertText: snippet,
        insertTextFormat: InsertTextFormat.Snippet,
        sortText: (p.r ? '0' : '1') + k,
      };
    });
}
