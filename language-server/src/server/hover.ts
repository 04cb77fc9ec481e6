// Hover: the official Kubernetes field description in manifests, the instruction or flag
// reference in Dockerfiles.
import type { Hover } from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import { FLAG_DOCS, INSTRUCTION_DOCS } from '../dockerfile/docs';
import { parseDockerfile, flagsOf } from '../dockerfile/model';
import { ENUMS, K8S_VERSION, kindType, resolvePath, type TypeRef } from '../k8s/schema';
import { docAt, locate } from '../yaml/locate';
import { getIn, str, type YamlFile } from '../yaml/parse';

const inRange = (
  r: { start: { line: number; character: number }; end: { line: number; character: number } },
  line: number,
  ch: number,
) =>
  (line > r.start.line || (line === r.start.line && ch >= r.start.character)) &&
  (line < r.end.line || (line === r.end.line && ch <= r.end.character));

export function dockerfileHover(text: string, line: number, character: number): Hover | null {
  const df = parseDockerfile(text);
  for (const ins of df.instructions) {
    const kr = ins.getInstructionRange();
    if (inRange(kr, line, character)) {
      const doc = INSTRUCTION_DOCS[ins.getKeyword()];
      return doc ? { contents: { kind: 'markdown', value: `**${ins.getKeyword()}**\n\n${doc}` }, range: kr } : null;
    }
    for (const f of flagsOf(ins)) {
      if (inRange(f.getNameRange(), line, character) || inRange(f.getRange(), line, character)) {
        const doc = FLAG_DOCS[f.getName()];
        return doc
          ? {
              contents: { kind: 'markdown', value: `**--${f.getName()}** (${ins.getKeyword()})\n\n${doc}` },
              range: f.getRange(),
            }
          : null;
      }
    }
  }
  return null;
}

export function typeLabel(t: TypeRef | undefined): string {
  if (!t) return '';
  switch (t.k) {
    case 'ref':
      return t.n.split('.').pop()!;
    case 'array':
      return `${typeLabel(t.of)}[]`;
    case 'map':
      return `map[string]${typeLabel(t.of)}`;
    case 'const':
      return JSON.stringify(t.v);
    default:
      return t.k;
  }
}

export function manifestHover(y: YamlFile, lines: LineIndex, line: number, character: number): Hover | null {
  const offset = lines.offset({ line, character });
  const doc = docAt(y.docs, offset);
  if (!doc) return null;
  const apiVersion = str(getIn(doc, doc.contents, 'apiVersion'));
  const kind = str(getIn(doc, doc.contents, 'kind'));
  const root = apiVersion && kind ? kindType(apiVersion, kind) : undefined;
  if (!root) return null;
  const at = locate(doc, offset);
  if (!at.path.length) return null;
  const res = resolvePath(root, at.path);
  if (!res.prop) return null;
  const field = at.path.filter((p) => typeof p === 'string').join('.');
  const enumVals = res.owner && res.field ? ENUMS[`${res.owner}.${res.field}`] : undefined;
  const parts = [
    `**${field}** \`${typeLabel(res.type)}\`${res.prop.r ? ' (required)' : ''}`,
    res.prop.d || '(no description)',
  ];
  if (enumVals) parts.push(`Allowed: ${enumVals.map((e) => `\`${e}\``).join(', ')}`);
  parts.push(`_${kind} ${apiVersion}, Kubernetes ${K8S_VERSION}_`);
  const r = at.node?.range;
  return {
    contents: { kind: 'markdown', value: parts.join('\n\n') },
    ...(r ? { range: lines.range(r[0], r[1]) } : {}),
  };
}
