// The stack file as the language server sees it: the engine's own reader
// (extension/engine/model/stack-file.ts) run on the editor's text, its problems turned into
// findings and its manifest globs expanded with the server's cached folder listings. There is
// no second reader to disagree with `up`.
import * as path from 'node:path';
import { expandGlob, type ListFiles } from '../../../extension/engine/model/glob';
import { readStackText, type StackFile } from '../../../extension/engine/model/stack-file';
import { fromProblem } from '../core/problem';
import type { Finding, Range } from '../core/types';

export { STACK_FILES } from '../../../extension/engine/model/file-names';

export type AllowKey = keyof StackFile['settings']['allow'];

export interface StackBuild {
  image: string;
  context: string;
  dockerfile: string;
  target?: string;
  range: Range;
}

export interface Stack {
  file: string;
  dir: string;
  kind: 'flotilla' | 'skaffold';
  name?: string;
  /** Manifest files the globs match, in glob order. */
  manifests: string[];
  /** Folders rendered by kustomize, with the range naming each. */
  kustomize: { dir: string; range: Range }[];
  builds: StackBuild[];
  allow: Record<AllowKey, boolean>;
}

const NO_ALLOW: Record<AllowKey, boolean> = {
  privileged: false,
  hostNetwork: false,
  hostPID: false,
  hostPath: false,
  capabilities: false,
};

export function readStack(file: string, text: string, list?: ListFiles): { stack: Stack; findings: Finding[] } {
  const { stack: sf, problems } = readStackText(file, text);
  const findings = problems.map(fromProblem);
  const stack: Stack = {
    file,
    dir: path.dirname(file),
    kind: path.basename(file).startsWith('skaffold') ? 'skaffold' : 'flotilla',
    name: sf?.name,
    manifests: [],
    kustomize: (sf?.kustomize ?? []).map((k) => ({
      dir: k.value,
      range: fromProblem({ ...k.source, message: '' }).range,
    })),
    builds: (sf?.builds ?? []).map((b) => ({
      image: b.image,
      context: b.context,
      dockerfile: b.dockerfile,
      target: b.target,
      range: fromProblem({ ...b.source, message: '' }).range,
    })),
    allow: sf?.settings.allow ?? NO_ALLOW,
  };
  for (const g of sf?.globs ?? []) {
    const matched = expandGlob(stack.dir, g.value, list);
    if (!matched.length) {
      findings.push(
        fromProblem({
          ...g.source,
          code: 'FS1004',
          severity: 'warning',
          message: `"${g.value}" matches no file under ${stack.dir}.`,
        }),
      );
    }
    for (const m of matched) if (!stack.manifests.includes(m)) stack.manifests.push(m);
  }
  return { stack, findings };
}
