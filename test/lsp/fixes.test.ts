// Every quick fix is checked by applying it: the finding it belongs to must go away and the
// file must not gain an error.
import assert from 'node:assert/strict';
import { LineIndex } from '../../language-server/src/core/lines';
import type { Finding } from '../../language-server/src/core/types';
import { lintDockerfile } from '../../language-server/src/dockerfile/lint';
import { lintManifestFile } from '../../language-server/src/k8s/resources';
import { parseYaml } from '../../language-server/src/yaml/parse';
import { RULES } from '../../language-server/src/core/catalog';
import { DOCKERFILE_CASES } from './cases/dockerfile';
import { DEP, SVC } from './cases/manifests';
import { readStack } from '../../language-server/src/stack/stack-file';

function apply(text: string, f: Finding): string {
  const lines = new LineIndex(text);
  const edits = [...f.fix!.edits].sort((a, b) => lines.offset(b.range.start) - lines.offset(a.range.start));
  let out = text;
  for (const e of edits) {
    out = out.slice(0, lines.offset(e.range.start)) + e.newText + out.slice(lines.offset(e.range.end));
  }
  return out;
}

const errors = (fs: Finding[]) => fs.filter((f) => (f.severity ?? RULES[f.code].severity) === 'error').length;

function checkFixes(text: string, lint: (t: string) => Finding[]): string[] {
  const fixed: string[] = [];
  for (const f of lint(text).filter((x) => x.fix)) {
    const after = apply(text, f);
    const before = lint(text);
    const now = lint(after);
    const count = (fs: Finding[]) =>
      fs.filter((x) => x.code === f.code && x.range.start.line === f.range.start.line).length;
    assert.ok(count(now) < count(before), `${f.code} "${f.fix!.title}" did not resolve it:\n${after}`);
    assert.ok(errors(now) <= errors(before), `${f.code} "${f.fix!.title}" added an error:\n${after}`);
    fixed.push(f.code);
  }
  return fixed;
}

describe('quick fixes resolve their findings', () => {
  it('Dockerfile fixes', () => {
    const fixed = new Set<string>();
    for (const c of Object.values(DOCKERFILE_CASES)) {
      checkFixes(c.bad.Dockerfile, (t) => lintDockerfile(t)).forEach((x) => fixed.add(x));
    }
    for (const code of [
      'FD1003',
      'FD3000',
      'FD3014',
      'FD3015',
      'FD3019',
      'FD3020',
      'FD3021',
      'FD3025',
      'FD3027',
      'FD3042',
      'FD4000',
    ]) {
      assert.ok(fixed.has(code), `no fix exercised for ${code}`);
    }
  });

  it('manifest fixes: quoting, numbers, enum case, misspelt fields', () => {
    const lint = (t: string) => lintManifestFile('a.yaml', parseYaml(t));
    const text = [
      DEP.replace('requests: {cpu: 100m', 'requests: {cpu: 1')
        .replace(
          '          readinessProbe:',
          '          imagePullPolicy: ifnotpresent\n          env: [{name: PORT, value: 8080}]\n          readinessProbe:',
        )
        .replace('  replicas: 2', '  replica: 2'),
      SVC.replace('port: 80\n', 'port: "80"\n'),
    ].join('---\n');
    const fixed = checkFixes(text, lint);
    assert.deepEqual([...new Set(fixed)].sort(), ['FK2001', 'FK2002', 'FK2004']);
  });

  it('stack file fixes: misspelt keys, name as a DNS label', () => {
    const lint = (t: string) => readStack('/nonexistent/flotilla.yaml', t, () => []).findings;
    const fixed = checkFixes('name: My_Shop\nmanifests: []\nsetings: {}\n', lint);
    assert.deepEqual(fixed.sort(), ['FS1001', 'FS1002']);
  });
});
