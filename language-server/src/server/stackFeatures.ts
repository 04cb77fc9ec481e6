// Hover and completion in flotilla.yaml.
import { CompletionItemKind, type CompletionItem, type Hover } from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import { STACK_CHILDREN, STACK_KEYS } from '../stack/docs';
import { docAt, locate, textPathAt } from '../yaml/locate';
import type { YamlFile } from '../yaml/parse';

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
    const bool = STACK_CHILDREN['security.allow'].includes(tp.valueKey) || tp.valueKey === 'unschedulable';
    return bool ? ['true', 'false'].map((v) => ({ label: v, kind: CompletionItemKind.Value })) : [];
  }
  const keys = STACK_CHILDREN[tp.parents.join('.')] ?? [];
  return keys.filter((k) => !tp.siblings.includes(k)).map((k) => ({ label: k, kind: CompletionItemKind.Property, documentation: STACK_KEYS[k], insertText: `${k}: ` }));
}
