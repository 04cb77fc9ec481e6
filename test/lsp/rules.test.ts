// Every rule in the catalog has a failing and a passing fixture, run through the same path as
// `flotilla lint` (stack discovery, settings, ignore comments).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RULES } from '../../language-server/src/core/catalog';
import { lintPaths } from '../../language-server/src/lint/collect';
import { DOCKERFILE_CASES } from './cases/dockerfile';
import { MANIFEST_CASES } from './cases/manifests';
import type { Files } from './cases/types';

const LOCAL_IMAGES = new Set(['nginx:1.25', 'debian:12']);
const CASES = { ...DOCKERFILE_CASES, ...MANIFEST_CASES };
const root = mkdtempSync(path.join(tmpdir(), 'flotilla-rules-'));
let n = 0;

export function writeProject(files: Files, base = root): string {
  const dir = path.join(base, `p${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

async function codesOf(files: Files): Promise<string[]> {
  return (await lintPaths([writeProject(files)], { images: LOCAL_IMAGES })).map((d) => d.code);
}

describe('rules: positive and negative fixture per code', function () {
  this.timeout(20_000);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('covers every code of the catalog', () => {
    assert.deepEqual(
      Object.keys(RULES).filter((c) => !(c in CASES)),
      [],
    );
  });

  for (const [code, c] of Object.entries(CASES)) {
    it(`${code}: flagged on the bad fixture, silent on the good one`, async () => {
      assert.ok((await codesOf(c.bad)).includes(code), `${code} missing on bad fixture`);
      const good = await codesOf(c.good);
      assert.ok(!good.includes(code), `${code} reported on good fixture`);
    });
  }

  it('a skaffold.yaml defines the stack when there is no flotilla.yaml', async () => {
    const files: Files = {
      'skaffold.yaml':
        'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n    - image: shop/web\n      context: web\n      docker: {dockerfile: Dockerfile}\nmanifests:\n  rawYaml: ["k8s/*.yaml"]\n',
      'web/Dockerfile': 'FROM nginx:1.25\nEXPOSE 8080\n',
      'k8s/app.yaml': MANIFEST_CASES.FX1012.bad['k8s/app.yaml'],
    };
    const diags = await lintPaths([writeProject(files)], { images: LOCAL_IMAGES });
    assert.ok(
      diags.some((d) => d.code === 'FX1012'),
      'the image is linked to the skaffold artifact',
    );
  });

  it('ignore comments: per line (next line or trailing), per file, and hadolint pragmas', async () => {
    const base = DOCKERFILE_CASES.FD3006.bad.Dockerfile;
    assert.ok(!(await codesOf({ Dockerfile: '# flotilla-ignore FD3006\n' + base })).includes('FD3006'));
    assert.ok(!(await codesOf({ Dockerfile: '# hadolint ignore=DL3006\n' + base })).includes('FD3006'));
    assert.ok(!(await codesOf({ Dockerfile: base + '# flotilla-ignore-file FD3006\n' })).includes('FD3006'));
    assert.ok(
      (await codesOf({ Dockerfile: '# flotilla-ignore FD3007\n' + base })).includes('FD3006'),
      'another code is not silenced',
    );
    const dep = MANIFEST_CASES.FK2005.bad;
    const trailing = {
      ...dep,
      'k8s/app.yaml': dep['k8s/app.yaml'].replace('cpu: 100x,', 'cpu: 100x, # flotilla-ignore FK2005\n             '),
    };
    assert.ok(!(await codesOf(trailing)).includes('FK2005'));
  });

  it('recognises every document of a multi-document file; unknown kinds (CRDs) are not errors', async () => {
    const crd = 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: [goes]}\n';
    const docs = [
      MANIFEST_CASES.FK2005.good['k8s/app.yaml'],
      crd,
      MANIFEST_CASES.FK2004.bad['k8s/app.yaml'].replace(/web/g, 'api'),
    ];
    const dir = writeProject({
      'flotilla.yaml': 'name: t\nmanifests: ["k8s/*.yaml"]\n',
      'k8s/app.yaml': docs.join('---\n'),
    });
    const diags = await lintPaths([dir], { images: null });
    const bad = diags.filter((d) => d.severity === 'error');
    assert.deepEqual(
      bad.map((d) => d.code),
      ['FK2004'],
    );
    const offset = docs[0].split('\n').length - 1 + 1 + crd.split('\n').length - 1 + 1;
    assert.ok(bad[0].line > offset, `the error is placed in the third document (line ${bad[0].line})`);
  });

  it('integer fields refuse fractions', async () => {
    const dep = MANIFEST_CASES.FK2005.good['k8s/app.yaml'].replace('replicas: 2', 'replicas: 2.5');
    const diags = await lintPaths(
      [writeProject({ 'flotilla.yaml': 'name: t\nmanifests: ["k8s/*.yaml"]\n', 'k8s/app.yaml': dep })],
      { images: null },
    );
    assert.deepEqual(
      diags.filter((d) => d.code === 'FK2002').map((d) => d.message),
      ['spec.replicas: expected a whole number, found 2.5.'],
    );
  });

  it('settings change severity and turn rules off', async () => {
    const dir = writeProject(DOCKERFILE_CASES.FD3006.bad);
    const off = await lintPaths([dir], { images: null, settings: { FD3006: 'off' } });
    assert.ok(!off.some((d) => d.code === 'FD3006'));
    const err = await lintPaths([dir], { images: null, settings: { FD3006: 'error' } });
    assert.equal(err.find((d) => d.code === 'FD3006')!.severity, 'error');
  });
});
