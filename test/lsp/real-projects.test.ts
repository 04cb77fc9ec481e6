// What real projects write, and lint once got wrong: each false or misplaced diagnostic found
// on public corpora is a case here, checked through `flotilla lint`'s path and through the
// engine's loader (what `up` runs), plus the removed-API and HPA-version rules.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadStack } from '../../extension/engine/model/load-stack';
import { isRunKind } from '../../extension/engine/model/honoured';
import { isHelmTemplate } from '../../extension/engine/model/not-manifests';
import { LineIndex } from '../../language-server/src/core/lines';
import type { Finding } from '../../language-server/src/core/types';
import { lintDockerfile } from '../../language-server/src/dockerfile/lint';
import { lintPaths, lintStackDir, type LintDiagnostic } from '../../language-server/src/index';
import { lintManifestFile } from '../../language-server/src/k8s/resources';
import { parseYaml } from '../../language-server/src/yaml/parse';
import { DEP, STACK, SVC } from './cases/manifests';
import type { Files } from './cases/types';

const root = mkdtempSync(path.join(tmpdir(), 'flotilla-real-'));
let n = 0;
function project(files: Files): string {
  const dir = path.join(root, `p${n++}`);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}
const stackOf = (...docs: string[]): Files => ({ 'flotilla.yaml': STACK, 'k8s/app.yaml': docs.join('---\n') });
const codes = (d: LintDiagnostic[]) => d.map((x) => x.code);
const lint = (dir: string) => lintStackDir(dir, { images: null });

function apply(text: string, f: Finding): string {
  const lines = new LineIndex(text);
  const edits = [...f.fix!.edits].sort((a, b) => lines.offset(b.range.start) - lines.offset(a.range.start));
  let out = text;
  for (const e of edits) {
    out = out.slice(0, lines.offset(e.range.start)) + e.newText + out.slice(lines.offset(e.range.end));
  }
  return out;
}

describe('lint on what real projects write', function () {
  this.timeout(20_000);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('LABEL with quoted spaces is one key=value (no FD1002), so up builds it', async () => {
    for (const label of [
      'org.label-schema.license="Apache License 2.0"',
      'a="b c"',
      'a="b c" \\\n  d=e',
      'legacy value form',
    ]) {
      const df = `FROM debian:12\nLABEL ${label}\nCMD ["x"]\n`;
      assert.deepEqual(
        lintDockerfile(df).filter((f) => f.code === 'FD1002'),
        [],
        label,
      );
      const dir = project({
        ...stackOf(DEP),
        'flotilla.yaml': STACK + 'build:\n  - {image: t/app, context: app}\n',
        'app/Dockerfile': df,
      });
      assert.deepEqual(
        (await lint(dir)).filter((d) => d.blocking),
        [],
        label,
      );
    }
    assert.ok(
      lintDockerfile('FROM debian:12\nLABEL a=b c\n').some((f) => f.code === 'FD1002'),
      'a bare word after key=value is still wrong',
    );
  });

  it('a build context with a Containerfile (and no Dockerfile) builds from it, for up and lint alike', async () => {
    const dir = project({
      ...stackOf(DEP.replace('nginx:1.25', 't/app')),
      'flotilla.yaml': STACK + 'build:\n  - {image: t/app, context: app}\n',
      'app/Containerfile': 'FROM debian:12\nFOOBAR x\n',
    });
    assert.equal(loadStack(dir).stack?.builds[0].dockerfile, path.join(dir, 'app/Containerfile'));
    const found = await lint(dir);
    assert.ok(!found.some((d) => d.code === 'FS1006'), 'no "No Dockerfile"');
    assert.deepEqual(
      found.filter((d) => d.code === 'FD1001').map((d) => path.relative(dir, d.file)),
      ['app/Containerfile'],
    );
  });

  it('a line continuation inside a RUN heredoc is not a package (FD3008)', () => {
    const df =
      'FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y --no-install-recommends \\\n  curl=7.88.1 \\\n  git=1:2.39.2\nrm -rf /var/lib/apt/lists/*\nEOF\n';
    assert.deepEqual(
      lintDockerfile(df)
        .filter((f) => f.code === 'FD3008')
        .map((f) => f.message),
      [],
    );
    const unpinned = df.replace('curl=7.88.1', 'curl');
    assert.deepEqual(
      lintDockerfile(unpinned)
        .filter((f) => f.code === 'FD3008')
        .map((f) => /\(([^)]*)\)/.exec(f.message)?.[1]),
      ['curl'],
    );
  });

  it('nodePort: 0 means unset: no FK2007 or FX1011, and up loads it', async () => {
    const svc = (name: string) =>
      SVC.replace('name: web\nspec', `name: ${name}\nspec`).replace(
        'targetPort: 80',
        'targetPort: 80\n      nodePort: 0',
      );
    const dir = project(stackOf(DEP, svc('web'), svc('web2')));
    const found = codes(await lint(dir));
    assert.ok(!found.includes('FK2007') && !found.includes('FX1011'), found.join(' '));
    const { stack, problems } = loadStack(dir);
    assert.deepEqual(problems, []);
    assert.equal(stack!.services[0].ports[0].nodePort, undefined);
  });

  it('empty documents and a trailing --- are not FK1002', async () => {
    const dir = project({ 'flotilla.yaml': STACK, 'k8s/app.yaml': `---\n${DEP}---\n# nothing here\n---\n${SVC}---\n` });
    assert.ok(!codes(await lint(dir)).includes('FK1002'));
    assert.deepEqual(loadStack(dir).problems, []);
  });

  it('YAML merge keys (<<: *anchor) merge, as in Kubernetes: no FK2008 or FK2002', async () => {
    const dep = DEP.replace(
      'metadata:\n  name: web\n',
      'metadata:\n  name: web\n  labels: &labels {app: web, tier: front}\n',
    ).replace('      labels: {app: web}', '      labels:\n        <<: *labels\n        version: "2"');
    const dir = project(stackOf(dep, SVC.replace('selector: {app: web}', 'selector: {app: web, tier: front}')));
    const found = await lint(dir);
    assert.deepEqual(
      found.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`),
      [],
    );
    const labels = loadStack(dir).stack!.deployments[0].template.labels;
    assert.deepEqual(labels, { app: 'web', tier: 'front', version: '2' });
  });

  it('the quantity 2000u (micro) is valid for lint and up', async () => {
    const dir = project(stackOf(DEP.replace('cpu: 100m', 'cpu: 2000u')));
    assert.ok(!codes(await lint(dir)).includes('FK2005'));
    assert.equal(loadStack(dir).stack!.deployments[0].template.containers[0].requests.cpuMilli, 2);
  });

  it('a Helm template gets one note naming the file and saying to render it, not hundreds of errors', async () => {
    const tpl = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "x.fullname" . }}\n  labels:\n    {{- include "x.labels" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n  template:\n    spec:\n      containers:\n        - name: {{ .Chart.Name }}\n          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n`;
    const dir = project({
      'chart/Chart.yaml': 'apiVersion: v2\nname: x\nversion: 1.0.0\n',
      'chart/templates/deployment.yaml': tpl,
      'chart/values.yaml': 'replicaCount: 1\n',
    });
    const found = await lintPaths([dir], { images: null });
    const onTpl = found.filter((d) => d.file.endsWith('deployment.yaml'));
    assert.deepEqual(
      onTpl.map((d) => d.code),
      ['FK3004'],
    );
    assert.match(onTpl[0].message, /^deployment\.yaml is a Helm template .*helm template/);
    assert.ok(
      !isHelmTemplate('ci.yaml', 'on: push\njobs:\n  b:\n    steps:\n      - run: echo ${{ github.sha }}\n'),
      'a CI expression is not Helm',
    );
    assert.ok(
      !isHelmTemplate('cm.yaml', 'kind: ConfigMap\ndata:\n  t: |\n    {{ .Labels.x }}\n'),
      'a template inside a block is data',
    );
    // picked up by a stack's glob, up skips it the same way
    const stack = project({
      'flotilla.yaml': 'name: t\nmanifests: ["k8s/*.yaml"]\n',
      'k8s/app.yaml': DEP,
      'k8s/tpl.yaml': tpl,
    });
    const loaded = loadStack(stack);
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(
      loaded.stack!.warnings.map((w) => w.code),
      ['FK3004'],
    );
  });

  it('JSON manifests are read by lint (folder and stack) and by up', async () => {
    const json = JSON.stringify(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api' },
        spec: {
          selector: { matchLabels: { app: 'api' } },
          template: {
            metadata: { labels: { app: 'api' } },
            spec: { containers: [{ name: 'api', image: 'nginx:1.25', colour: 'red' }] },
          },
        },
      },
      null,
      2,
    );
    const folder = project({ 'deploy/api.json': json, 'package.json': '{"name": "x", "kind": "module"}' });
    const found = await lintPaths([folder], { images: null });
    assert.deepEqual(
      found.filter((d) => d.severity === 'error').map((d) => [path.basename(d.file), d.code]),
      [['api.json', 'FK2001']],
    );
    const stack = project({
      'flotilla.yaml': 'name: t\nmanifests: ["k8s/*.json"]\n',
      'k8s/api.json': json.replace(', "colour": "red"', '').replace(/,\s*"colour": "red"/, ''),
    });
    const loaded = loadStack(stack);
    assert.deepEqual(loaded.problems, []);
    assert.equal(loaded.stack!.deployments[0].name, 'api');
  });

  it('in folder mode, cross-resource checks stay inside one app: a folder, or a kustomization', async () => {
    const dir = project({
      'guestbook/app.yaml': [DEP, SVC].join('---\n'),
      'shop/app.yaml': [DEP, SVC.replace('targetPort: 80', 'targetPort: 8080')].join('---\n'),
      'dup/a.yaml': DEP,
      'dup/b.yaml': DEP,
      'kz/kustomization.yaml': 'resources: [base/app.yaml, extra/more.yaml]\n',
      'kz/base/app.yaml': DEP,
      'kz/extra/more.yaml': DEP,
    });
    const found = await lintPaths([dir], { images: null });
    const where = (code: string) =>
      found
        .filter((d) => d.code === code)
        .map((d) => path.relative(dir, d.file))
        .sort();
    assert.deepEqual(
      where('FX1010'),
      ['dup/b.yaml', 'kz/extra/more.yaml'],
      'duplicates only inside one folder or kustomization',
    );
    assert.deepEqual(
      where('FX1007'),
      ['shop/app.yaml'],
      'the shop Service is checked against the shop Deployment only',
    );
  });

  it('kustomize patches are skipped with a note, by lint and by up', async () => {
    const patch = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n$patch: delete\n';
    const partial = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n';
    const dir = project({
      'base/app.yaml': DEP,
      'base/kustomization.yaml': 'resources: [app.yaml]\n',
      'overlay/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: scale.yaml\n',
      'overlay/scale.yaml': partial,
      'component/delete.yaml': patch,
    });
    const found = await lintPaths([dir], { images: null });
    const on = (f: string) => found.filter((d) => d.file.endsWith(f)).map((d) => d.code);
    assert.deepEqual(on('scale.yaml'), ['FK3003']);
    assert.deepEqual(on('delete.yaml'), ['FK3003']);
    const stack = project({ 'flotilla.yaml': STACK, 'k8s/app.yaml': DEP, 'k8s/delete.yaml': patch });
    const loaded = loadStack(stack);
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(
      loaded.stack!.warnings.map((w) => w.code),
      ['FK3003'],
    );
  });

  it('duplicate names in a kind up leaves out are warnings; security rules follow what up runs', async () => {
    const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: agent}\n';
    const ds =
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      hostPID: true\n      containers: [{name: c, image: i}]\n';
    const found = await lintPaths([project({ 'agent/sa.yaml': sa, 'agent/sa2.yaml': sa, 'agent/ds.yaml': ds })], {
      images: null,
    });
    const dup = found.filter((d) => d.code === 'FX1010');
    assert.deepEqual(
      dup.map((d) => [d.severity, d.blocking]),
      [['warning', false]],
      'kubectl apply keeps the last ServiceAccount; up runs neither',
    );
    const policy = found.filter((d) => /^FP/.test(d.code)).map((d) => [d.code, d.blocking]);
    assert.deepEqual(policy, isRunKind('DaemonSet') ? [['FP1003', true]] : [], 'only what up runs reaches the host');
    const hpa =
      'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: elsewhere}\n  maxReplicas: 2\n';
    const loose = await lintPaths([project({ 'hpa/h.yaml': hpa })], { images: null });
    assert.deepEqual(
      loose.filter((d) => d.code === 'FX1003').map((d) => d.severity),
      ['warning'],
      'the target may be in another folder',
    );
    const inStack = await lint(project(stackOf(hpa)));
    assert.deepEqual(
      inStack.filter((d) => d.code === 'FX1003').map((d) => d.severity),
      ['error'],
      'a stack has no elsewhere',
    );
  });

  it('selector diagnostics sit on the label that does not match', async () => {
    const dep = DEP.replace('      labels: {app: web}', '      labels: {app: wbe}');
    const found = await lint(project(stackOf(dep)));
    const fx = found.find((d) => d.code === 'FX1002')!;
    const line = dep.split('\n')[fx.line - 1];
    assert.equal(line.slice(fx.column - 1, fx.endColumn - 1), 'wbe', line);
    const svc = SVC.replace('selector: {app: web}', 'selector: {app: web, tier: fornt}');
    const found2 = await lint(project(stackOf(DEP, svc)));
    const fx1 = found2.filter((d) => d.code === 'FX1001');
    assert.equal(fx1.length, 1);
    const text = [DEP, svc].join('---\n').split('\n');
    assert.equal(text[fx1[0].line - 1].slice(fx1[0].column - 1, fx1[0].endColumn - 1), 'fornt');
    assert.match(fx1[0].message, /nearest is Deployment web \(app=web\)/);
  });
});

describe('client addresses of Services', function () {
  this.timeout(20_000);

  const client = (env: string) =>
    DEP.replace(/web/g, 'shop').replace(
      '          readinessProbe:',
      `          env:\n            - {name: CATALOG, value: "${env}"}\n          readinessProbe:`,
    );
  const catalog = SVC.replace(/web/g, 'catalog').replace(
    'port: 80\n      targetPort: 80',
    'port: 3550\n      targetPort: 8080',
  );
  const workload = DEP.replace(/web/g, 'catalog')
    .replace('containerPort: 80', 'containerPort: 8080')
    .replace('port: 80}', 'port: 8080}');

  it('warns on an env or ConfigMap value naming a port the Service does not have, on the address itself', async () => {
    for (const [value, bad] of [
      ['catalog:3550', false],
      ['catalog:8080', true],
      ['http://catalog:3551/x', true],
      ['catalog.default.svc.cluster.local:3550', false],
      ['catalog.default.svc.cluster.local:9', true],
      ['catalog.other:9', false],
      ['redis://:secret@catalog:1234/0', true],
      ['nothing:8080', false],
    ] as const) {
      const found = (await lint(project(stackOf(workload, catalog, client(value))))).filter((d) => d.code === 'FX1014');
      assert.equal(found.length, bad ? 1 : 0, `${value}: ${found.map((d) => d.message).join()}`);
      if (!bad) continue;
      const text = [workload, catalog, client(value)].join('---\n').split('\n');
      const shown = text[found[0].line - 1].slice(found[0].column - 1, found[0].endColumn - 1);
      assert.match(shown, /^catalog[.a-z]*:\d+$/, `${value}: underlines the address (${shown})`);
      assert.equal(found[0].severity, 'warning');
    }
    const hint = (await lint(project(stackOf(workload, catalog, client('catalog:8080'))))).find(
      (d) => d.code === 'FX1014',
    )!;
    assert.match(hint.message, /8080 is its targetPort: clients use the Service port 3550/);
  });
});

describe('removed APIs and older HPA versions', function () {
  this.timeout(20_000);

  const lintDoc = (text: string) => lintManifestFile('a.yaml', parseYaml(text));

  it('removed apiVersions are errors naming the release and the replacement, with a fix when mechanical', () => {
    const cases: [string, RegExp, string | undefined][] = [
      [
        'apiVersion: storage.k8s.io/v1beta1\nkind: StorageClass\nmetadata: {name: s}\nprovisioner: x\n',
        /removed in Kubernetes 1\.22: use apiVersion storage\.k8s\.io\/v1/,
        'storage.k8s.io/v1',
      ],
      [
        'apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec: {}\n',
        /removed in Kubernetes 1\.25: PodSecurityPolicy itself was removed/,
        undefined,
      ],
      [
        'apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec: {minAvailable: 1}\n',
        /removed in Kubernetes 1\.25: use apiVersion policy\/v1/,
        'policy/v1',
      ],
      [
        'apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}\n',
        /removed in Kubernetes 1\.16: use apiVersion apps\/v1/,
        'apps/v1',
      ],
      [
        'apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}\n',
        /removed in Kubernetes 1\.16/,
        undefined,
      ],
    ];
    for (const [text, message, fixTo] of cases) {
      const f = lintDoc(text).find((x) => x.code === 'FK1005');
      assert.ok(f, text);
      assert.match(f.message, message);
      assert.equal(f.fix?.edits[0].newText, fixTo, text);
      if (f.fix) assert.ok(!lintDoc(apply(text, f)).some((x) => x.code === 'FK1005'), 'the fix resolves it');
    }
  });

  const V1 =
    'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 4\n  targetCPUUtilizationPercentage: 60\n';
  const V2BETA2 =
    'apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 4\n  metrics:\n    - type: Resource\n      resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}\n';
  const V2BETA1 =
    'apiVersion: autoscaling/v2beta1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 4\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        targetAverageUtilization: 70\n';

  it('up runs autoscaling/v1, v2beta1 and v2beta2 by converting them to v2', () => {
    const nore = DEP.replace('  replicas: 2\n', '');
    const expect = [
      [
        V1,
        {
          type: 'Resource',
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: 60, averageValue: undefined, value: undefined },
        },
      ],
      [
        V2BETA2,
        {
          type: 'Resource',
          name: 'memory',
          target: {
            type: 'AverageValue',
            averageUtilization: undefined,
            averageValue: 100 * 2 ** 20,
            value: undefined,
          },
        },
      ],
      [
        V2BETA1,
        {
          type: 'Resource',
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: 70, averageValue: undefined, value: undefined },
        },
      ],
    ] as const;
    for (const [hpa, metric] of expect) {
      const dir = project(stackOf(nore, hpa));
      const { stack, problems } = loadStack(dir);
      assert.deepEqual(problems, [], hpa);
      assert.deepEqual(stack!.hpas[0].metrics, [metric]);
      assert.equal(stack!.hpas[0].maxReplicas, 4);
    }
  });

  it('the language server offers a conversion to autoscaling/v2 that lints clean', () => {
    for (const [text, severity] of [
      [V1, 'information'],
      [V2BETA2, 'warning'],
      [V2BETA1, 'warning'],
    ]) {
      const f = lintDoc(text).find((x) => x.code === 'FK1006');
      assert.ok(f?.fix, text);
      assert.equal(f.severity, severity);
      const v2 = apply(text, f);
      assert.match(v2, /^apiVersion: autoscaling\/v2\n/);
      assert.deepEqual(
        lintDoc(v2).map((x) => `${x.code} ${x.message}`),
        [],
        v2,
      );
    }
  });
});
