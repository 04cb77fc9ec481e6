// A kustomize folder of the stack: rendered (kustomize.ts), read like any manifest text, and
// every problem, warning and source reference moved from the rendered output back to the file
// the user wrote (source-map.ts). The stack remembers what each render read, so the watch
// loop re-renders when any of it changes.
import * as fs from 'node:fs';
import { renderKustomization } from './kustomize';
import type { Problem } from './problems';
import { isObj } from './reader';
import { SourceMap, TextLines } from './source-map';
import type { SourcedPath } from './stack-file';
import type { SourceRef, StackSpec } from './types';

type ReadText = (stack: StackSpec, file: string, text: string) => Problem[];

export function loadKustomization(
  stack: StackSpec,
  k: SourcedPath,
  readText: ReadText,
  read: (file: string) => string | undefined = readDisk,
): Problem[] {
  const result = renderKustomization(k.value);
  if (!result.ok) return [{ ...k.source, code: 'FS1009', message: result.error }];
  const r = result.rendered;
  (stack.kustomize ??= []).push({ dir: r.dir, sources: r.sources });
  // The rendered text is read under the kustomization's name, then every place is moved.
  const virtual = r.kustomization + '#rendered';
  const before = lengths(stack);
  const problems = readText(stack, virtual, r.text);
  const map = new SourceMap(r, (f) => read(f) ?? readDisk(f));
  const lines = new TextLines(r.text);
  const sourceLines = new Map<string, TextLines>();
  const move = <T extends { file: string; line: number; column: number }>(p: T): T => {
    if (p.file !== virtual) return p;
    const place = map.place(lines.offset(p.line, p.column));
    let sl = sourceLines.get(place.file);
    if (!sl) sourceLines.set(place.file, (sl = new TextLines(place.text)));
    const start = sl.position(place.range[0]);
    const end = sl.position(place.range[1]);
    return { ...p, file: place.file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  };
  for (const [key, n] of before) {
    const list = arrayField(stack, key);
    for (let i = n; i < list.length; i++) {
      const item = list[i];
      if (isObj(item) && isSourceRef(item.source)) item.source = move(item.source);
    }
  }
  stack.warnings = stack.warnings.map(move);
  return problems.map(move);
}

function readDisk(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // an origin file that is gone: the kustomization stands in
  }
}

/** The length of every list of the stack, so what a render added can be found afterwards. */
function lengths(stack: StackSpec): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, v] of Object.entries(stack)) if (Array.isArray(v)) out.set(key, v.length);
  return out;
}

function arrayField(stack: StackSpec, key: string): unknown[] {
  const v: unknown = Object.entries(stack).find(([k]) => k === key)?.[1];
  return Array.isArray(v) ? v : [];
}

function isSourceRef(v: unknown): v is SourceRef {
  return isObj(v) && typeof v.file === 'string' && typeof v.line === 'number' && typeof v.column === 'number';
}
