// Go to definition (Service selector / HPA target → workload, image → Dockerfile) and the
// document outline.
import { pathToFileURL } from 'node:url';
import { SymbolKind, type DocumentSymbol, type Location } from 'vscode-languageserver';
import type { LineIndex } from '../core/lines';
import { clientAddresses } from '../cross/addresses';
import { buildFor, hpaTarget, selectedWorkloads } from '../cross/links';
import { parseDockerfile } from '../dockerfile/model';
import { resourcesOf, type Resource } from '../k8s/resources';
import type { Stack } from '../stack/stack-file';
import { docAt, locate } from '../yaml/locate';
import { getIn, items, nodeRange, str, type YamlFile } from '../yaml/parse';

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function nameLocation(r: Resource): Location {
  const range = nodeRange(r.y.lines, getIn(r.doc, r.root, 'metadata', 'name')) ?? nodeRange(r.y.lines, r.root) ?? ZERO;
  return { uri: pathToFileURL(r.file).toString(), range };
}

/** `all` holds the stack's resources (this file's included); `stack` gives builds. */
export function definition(
  file: string,
  y: YamlFile,
  line: number,
  character: number,
  all: Resource[],
  stack?: Stack,
): Location[] {
  const offset = y.lines.offset({ line, character });
  const doc = docAt(y.docs, offset);
  if (!doc) return [];
  const here = resourcesOf(file, y).find((r) => r.doc === doc);
  if (!here) return [];
  const pool = all.some((r) => r.file === file)
    ? all.map((r) => (r.file === file ? (resourcesOf(file, y).find((x) => x.index === r.index) ?? r) : r))
    : [...all, ...resourcesOf(file, y)];
  const { path } = locate(doc, offset);
  if (here.kind === 'Service' && path[0] === 'spec' && path[1] === 'selector') {
    return selectedWorkloads(here, pool).map(nameLocation);
  }
  if (here.kind === 'HorizontalPodAutoscaler' && path[0] === 'spec' && path[1] === 'scaleTargetRef') {
    const t = hpaTarget(here, pool);
    return t ? [nameLocation(t)] : [];
  }
  if (path[path.length - 1] === 'value' || (here.kind === 'ConfigMap' && path[0] === 'data')) {
    const node = getIn(doc, doc.contents, ...path);
    const hits = clientAddresses(pool).filter((a) => a.r.doc === doc && a.node === node);
    if (hits.length) return [...new Set(hits.map((a) => a.service))].map(nameLocation);
  }
  if (path[path.length - 1] === 'image' && stack) {
    const image = str(getIn(doc, doc.contents, ...path));
    const b = image ? buildFor(image, stack.builds) : undefined;
    return b ? [{ uri: pathToFileURL(b.dockerfile).toString(), range: ZERO }] : [];
  }
  return [];
}

export function manifestSymbols(y: YamlFile): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const r of resourcesOf('', y)) {
    const range = nodeRange(y.lines, r.root);
    if (!range) continue;
    const sel = nodeRange(y.lines, getIn(r.doc, r.root, 'metadata', 'name')) ?? range;
    const children: DocumentSymbol[] = [];
    const spec = getIn(r.doc, r.root, 'spec');
    const podSpec = r.kind === 'Pod' ? spec : getIn(r.doc, spec, 'template', 'spec');
    for (const c of items(r.doc, getIn(r.doc, podSpec, 'containers'))) {
      const cr = nodeRange(y.lines, c);
      const nr = nodeRange(y.lines, getIn(r.doc, c, 'name'));
      if (cr) {
        children.push({
          name: str(getIn(r.doc, c, 'name')) ?? 'container',
          detail: str(getIn(r.doc, c, 'image')),
          kind: SymbolKind.Object,
          range: cr,
          selectionRange: nr ?? cr,
        });
      }
    }
    out.push({
      name: `${r.kind} ${r.name}`,
      detail: r.apiVersion,
      kind: SymbolKind.Class,
      range,
      selectionRange: sel,
      children,
    });
  }
  return out;
}

export function dockerfileSymbols(text: string, _lines: LineIndex): DocumentSymbol[] {
  const df = parseDockerfile(text);
  return df.stages.map((s) => {
    const last = s.instructions[s.instructions.length - 1] ?? s.from;
    const range = { start: s.from.getRange().start, end: last.getRange().end };
    return {
      name: s.name ?? `stage ${s.index}`,
      detail: s.from.getArguments()[0]?.getValue(),
      kind: SymbolKind.Module,
      range,
      selectionRange: s.from.getRange(),
      children: s.instructions.map((i) => ({
        name: i.getKeyword(),
        detail: (i.getRawArgumentsContent() ?? '').split('\n')[0].slice(0, 60),
        kind: SymbolKind.Field,
        range: i.getRange(),
        selectionRange: i.getInstructionRange(),
      })),
    };
  });
}
