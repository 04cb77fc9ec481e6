// From a place in kustomize's rendered output back to the file the user wrote: the object's
// origin file, the document there of the same kind (and name, before any prefix or suffix),
// and the same field path inside it, or its nearest ancestor that exists in the source (a
// field a patch added maps to the object it patches). Generated objects map to their
// generator in the kustomization; objects without an origin to the kustomization itself.
import * as YAML from 'yaml';
import type { Rendered, RenderedDoc } from './kustomize';
import { getIn, keyOf, mapPairs, offsetsOf, str, type AnyNode } from './yaml-nodes';

export interface SourcePlace {
  file: string;
  /** [start, end) offsets in that file's text. */
  range: [number, number];
  text: string;
}

type Path = (string | number)[];

/** Reads a source file's current text (the language server passes its open buffers). */
export type ReadText = (file: string) => string | undefined;

export class SourceMap {
  private readonly parsed = new Map<string, { text: string; docs: YAML.Document.Parsed[] }>();
  private renderedDocs?: YAML.Document.Parsed[];

  constructor(
    readonly rendered: Rendered,
    private readonly read: ReadText,
  ) {}

  /** The source place of an offset of the rendered text (the source node's extent comes with it). */
  place(start: number): SourcePlace {
    const fallback = this.fallback();
    const i = this.rendered.docs.findIndex((d) => d.range[0] <= start && start <= d.range[1]);
    if (i < 0) return fallback;
    const info = this.rendered.docs[i];
    const doc = this.docs()[i];
    if (!info.origin || !doc) return fallback;
    const src = this.source(info.origin.file);
    if (!src) return fallback;
    if (info.origin.generatedBy) {
      // a generated ConfigMap or Secret: its generator's key in the kustomization
      const key = info.origin.generatedBy.charAt(0).toLowerCase() + info.origin.generatedBy.slice(1);
      const pair = mapPairs(src.docs[0]?.contents).find((p) => keyOf(p) === key);
      return { file: info.origin.file, range: offsetsOf(pair) ?? [0, 0], text: src.text };
    }
    const target = matchDoc(src.docs, info);
    if (!target) return { file: info.origin.file, range: [0, 0], text: src.text };
    const { path, onKey } = pathAt(doc, start);
    return {
      file: info.origin.file,
      range: nearest(target, path, onKey) ?? [target.range[0], target.range[0]],
      text: src.text,
    };
  }

  private fallback(): SourcePlace {
    const k = this.rendered.kustomization;
    return { file: k, range: [0, 0], text: this.source(k)?.text ?? '' };
  }

  private docs(): YAML.Document.Parsed[] {
    this.renderedDocs ??= YAML.parseAllDocuments(this.rendered.text, { logLevel: 'silent' });
    return this.renderedDocs;
  }

  private source(file: string) {
    let s = this.parsed.get(file);
    if (!s) {
      const text = this.read(file);
      if (text === undefined) return undefined;
      s = { text, docs: YAML.parseAllDocuments(text, { logLevel: 'silent', merge: true }) };
      this.parsed.set(file, s);
    }
    return s;
  }
}

/** The source document of a rendered object: same kind and a name kustomize could have made from it. */
function matchDoc(docs: YAML.Document.Parsed[], info: RenderedDoc): YAML.Document.Parsed | undefined {
  const ofKind = docs.filter((d) => str(getIn(d, d.contents, 'kind')) === info.kind);
  const named = ofKind.filter((d) => {
    const n = str(getIn(d, d.contents, 'metadata', 'name'));
    return !!n && !!info.name && info.name.includes(n);
  });
  named.sort(
    (a, b) =>
      (str(getIn(b, b.contents, 'metadata', 'name'))?.length ?? 0) -
      (str(getIn(a, a.contents, 'metadata', 'name'))?.length ?? 0),
  );
  return named[0] ?? ofKind[0] ?? docs[0];
}

/** The field path at an offset of a document, and whether the offset is on a key. */
export function pathAt(doc: YAML.Document, offset: number): { path: Path; onKey: boolean } {
  const path: Path = [];
  let n: AnyNode = doc.contents;
  const within = (x: AnyNode) => !!x?.range && x.range[0] <= offset && offset <= x.range[1];
  for (let depth = 0; n && depth < 200; depth++) {
    if (YAML.isMap(n)) {
      let next: AnyNode;
      for (const p of mapPairs(n)) {
        const k = keyOf(p);
        if (k === undefined) continue;
        if (YAML.isNode(p.key) && within(p.key)) return { path: [...path, k], onKey: true };
        if (within(p.value)) {
          path.push(k);
          next = p.value;
          break;
        }
      }
      if (!next) break;
      n = next;
    } else if (YAML.isSeq(n)) {
      const i = n.items.findIndex((it) => YAML.isNode(it) && within(it));
      if (i < 0) break;
      path.push(i);
      const item: unknown = n.items[i];
      n = YAML.isNode(item) ? item : undefined;
    } else break;
  }
  return { path, onKey: false };
}

/** Offsets of the node at `path` in a source document, or of its nearest existing ancestor. */
function nearest(doc: YAML.Document, path: Path, onKey: boolean): [number, number] | undefined {
  for (let n = path.length; n >= 1; n--) {
    const sub = path.slice(0, n);
    const last = sub[sub.length - 1];
    const parent = sub.length > 1 ? getIn(doc, doc.contents, ...sub.slice(0, -1)) : doc.contents;
    if (typeof last === 'string') {
      const pair = mapPairs(parent).find((p) => keyOf(p) === last);
      if (!pair) continue;
      const at = onKey && n === path.length ? offsetsOf(pair) : (offsetsOf(pair.value) ?? offsetsOf(pair));
      if (at) return at;
    } else {
      const node = getIn(doc, doc.contents, ...sub);
      const at = offsetsOf(node);
      if (at) return at;
    }
  }
  return offsetsOf(doc.contents);
}

/** Offset ↔ 1-based line/column of one text. */
export class TextLines {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  offset(line: number, column: number): number {
    return Math.min((this.starts[line - 1] ?? this.text.length) + column - 1, this.text.length);
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}
