// Lint and `up` read the same stack the same way: every fixture goes through the engine's
// loader and through lint, and they must agree. `up` refuses a stack on the loader's errors
// and on lint's blocking errors; each loader error must have a blocking lint error in the same
// file and document (so the editor shows why), and an error lint shows as harmless (in a kind
// `up` leaves out) must not be refused by the loader.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadStack } from '../../extension/engine/model/load-stack';
import { isError, type Problem } from '../../extension/engine/model/problems';
import { findStackFile } from '../../extension/engine/model/stack-file';
import { lintStackDir, type LintDiagnostic } from '../../language-server/src/index';
import { DOCKERFILE_CASES } from './cases/dockerfile';
import { MANIFEST_CASES, STACK } from './cases/manifests';
import { AGREEMENT_CASES } from './cases/agreement';
import type { Files } from './cases/types';

const ROOT = path.resolve(__dirname, '../..');

/** Fixtures up refuses for a reason only the engine checks yet (lint shows its words, FK1007), and why. */
const ENGINE_ONLY: Record<string, RegExp> = {
  // the API server's rule, which the schema cannot express: the rule case of FK1007 itself
  'FK1007 bad': /maxSurge and maxUnavailable cannot both be 0/,
};
const tmp = mkdtempSync(path.join(tmpdir(), 'flotilla-agree-'));

function write(name: string, files: Files): string {
  const dir = path.join(tmp, name);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Every stack folder under the committed fixtures and examples. */
function committedStacks(): [string, string][] {
  const out: [string, string][] = [];
  const visit = (dir: string, depth: number) => {
    if (depth > 6) return;
    if (findStackFile(dir)) out.push([path.relative(ROOT, dir), dir]);
    for (const e of readdirSync(dir)) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory() && e !== 'node_modules') visit(p, depth + 1);
    }
  };
  for (const d of ['test/fixtures', 'examples']) if (existsSync(path.join(ROOT, d))) visit(path.join(ROOT, d), 0);
  return out;
}

function cases(): [string, string][] {
  const out: [string, string][] = [];
  for (const [code, c] of Object.entries({ ...DOCKERFILE_CASES, ...MANIFEST_CASES })) {
    for (const side of ['bad', 'good'] as const) {
      const files = { ...c[side] };
      // a lone Dockerfile becomes the stack's build, so `up` reads it too
      if (!Object.keys(files).some((f) => /(flotilla|skaffold)\.yaml$/.test(f))) {
        files['flotilla.yaml'] = STACK + 'build:\n  - {image: t/app, context: .}\n';
        files['k8s/none.yaml'] = '';
      }
      out.push([`${code} ${side}`, write(`${code}-${side}`, files)]);
    }
  }
  for (const [name, files] of Object.entries(AGREEMENT_CASES)) {
    out.push([name, write(name.replace(/\W+/g, '-'), files)]);
  }
  return out;
}

/** Whether two 1-based lines lie in the same YAML document (documents split at `---`). */
function sameDocument(file: string, a: number, b: number, texts: Map<string, string[]>): boolean {
  let lines = texts.get(file);
  if (!lines) {
    lines = readFileSync(file, 'utf8').split('\n');
    texts.set(file, lines);
  }
  const docOf = (line: number) => lines.slice(0, line - 1).filter((l) => /^---(\s|$)/.test(l)).length;
  return docOf(a) === docOf(b);
}

function show(p: Problem | LintDiagnostic, dir: string): string {
  return `${path.relative(dir, p.file)}:${p.line} ${p.code ?? ''} ${p.message}`;
}

describe('lint and the loader agree on every fixture', function () {
  this.timeout(60_000);
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('an error in a kind up leaves out is shown and blocks nothing', async () => {
    const dir = write('inert', AGREEMENT_CASES['an error in a kind up leaves out']);
    const errors = (await lintStackDir(dir, { images: null })).filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => [d.code, d.blocking]).sort(), [
      ['FK1005', false],
      ['FK2001', false],
    ]);
    assert.deepEqual(loadStack(dir).problems, []);
  });

  for (const [name, dir] of [...committedStacks(), ...cases()]) {
    it(name, async () => {
      const all = loadStack(dir);
      const loaded = all.problems.filter(isError);
      const lint = await lintStackDir(dir, { images: null });
      const blocking = lint.filter((d) => d.blocking);
      const texts = new Map<string, string[]>();
      const unmatched = loaded.filter(
        (p) => !blocking.some((d) => d.file === p.file && sameDocument(p.file, p.line, d.line, texts)),
      );
      assert.deepEqual(
        unmatched.map((p) => show(p, dir)),
        [],
        `up refuses on these, lint shows no blocking error there:\nlint: ${lint.map((d) => show(d, dir)).join('\n      ')}`,
      );
      // what up leaves out, it says exactly as lint does: same places, codes and words
      if (all.stack) {
        const told = (xs: { file: string; line: number; code?: string; message: string }[]) =>
          xs
            .filter((x) => x.code === 'FK3001' || x.code === 'FK3002')
            .map((x) => `${path.relative(dir, x.file)}:${x.line} ${x.code} ${x.message}`)
            .sort();
        assert.deepEqual(
          told(lint),
          told(all.stack.warnings),
          'up and lint report the same unhonoured fields and kinds',
        );
      }
      // lint's own rules explain each refusal; the engine's words (FK1007) stand in only where allowed below
      const net = lint.filter((d) => d.code === 'FK1007');
      if (!ENGINE_ONLY[name]) {
        assert.deepEqual(
          net.map((d) => show(d, dir)),
          [],
          'refusals with no lint rule of their own',
        );
      } else for (const d of net) assert.match(d.message, ENGINE_ONLY[name], show(d, dir));
      // an error lint shows without blocking lies in a kind `up` leaves out: the loader is silent there too
      const inert = lint.filter((d) => d.severity === 'error' && !d.blocking);
      const refusedThere = inert.filter((d) =>
        loaded.some((p) => p.file === d.file && sameDocument(d.file, d.line, p.line, texts)),
      );
      assert.deepEqual(
        refusedThere.map((d) => show(d, dir)),
        [],
        'lint calls these harmless, but up refuses there',
      );
    });
  }
});
