// The safety net behind "lint shows why up refuses": the engine's loader reads the stack as
// `up` will (same editor buffers), and any of its errors that no blocking lint finding already
// explains in the same file and YAML document is shown with the engine's own words. The
// agreement test keeps this net empty on every fixture; it is there for checks the engine
// grows before lint does.
import { loadStack } from '../../../extension/engine/model/load-stack';
import { isError, type Problem } from '../../../extension/engine/model/problems';
import { RULES } from '../core/catalog';
import { fromProblem } from '../core/problem';
import type { Finding } from '../core/types';

export interface FindingSink {
  readonly out: Map<string, Finding[]>;
  readonly texts: Map<string, string>;
  read(file: string): string | undefined;
  add(file: string, fs: Finding[]): void;
}

/** Code of the findings the net adds: the engine's check has no lint rule of its own. */
export const UP_REFUSES = 'FK1007';

export function addUpRefusals(run: FindingSink, stackFile: string): void {
  const read = (f: string) => {
    const t = run.read(f);
    return t === '\0too-large' ? undefined : t;
  };
  const { problems } = loadStack(stackFile, { read });
  // only lint's own findings explain a refusal: each unexplained one is shown, not the first per document
  const own = new Map([...run.out].map(([f, fs]) => [f, [...fs]]));
  for (const p of problems.filter(isError)) {
    if (explained(run, own, p)) continue;
    const f = fromProblem({ ...p, code: p.code && RULES[p.code] ? p.code : UP_REFUSES });
    run.add(p.file, [
      { ...f, severity: 'error', message: f.code === UP_REFUSES ? `up refuses this: ${p.message}` : p.message },
    ]);
    if (!run.texts.has(p.file)) {
      const t = read(p.file);
      if (t !== undefined) run.texts.set(p.file, t);
    }
  }
}

function explained(run: FindingSink, own: Map<string, Finding[]>, p: Problem): boolean {
  const text = run.texts.get(p.file) ?? run.read(p.file) ?? '';
  const doc = documentOf(text);
  const at = doc(p.line - 1);
  return (own.get(p.file) ?? []).some(
    (f) => (f.severity ?? RULES[f.code]?.severity) === 'error' && !f.inert && doc(f.range.start.line) === at,
  );
}

/** Which YAML document (counted by `---` lines) a 0-based line lies in. */
function documentOf(text: string): (line: number) => number {
  const seps: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (/^---(\s|$)/.test(l)) seps.push(i);
  });
  return (line) => seps.filter((s) => s <= line).length;
}
