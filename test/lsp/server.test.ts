// Drives the real server over stdio: open, change, diagnostics, hover, completion, code
// actions, definition, symbols, settings and ignore comments.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codes, TestClient } from './client';

describe('language server over stdio', function () {
  this.timeout(30_000);
  let c: TestClient;
  let tmp: string;
  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'flotilla-lsp-'));
    c = await TestClient.start(tmp, { docker: false, rules: { FD3059: 'off' } });
  });
  after(async () => {
    await c.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reports Dockerfile syntax errors with exact ranges, stable codes and a doc link', async () => {
    const file = path.join(tmp, 'Dockerfile');
    const d = await c.open(file, 'FROM node:20\nFOOBAR x\nEXPOSE 70000\n', 'dockerfile');
    const unknown = d.find((x) => x.code === 'FD1001')!;
    assert.deepEqual(unknown.range, { start: { line: 1, character: 0 }, end: { line: 1, character: 6 } });
    // the link opens the rule's catalogue page, with its bad and good examples
    const page = fileURLToPath(unknown.codeDescription!.href);
    assert.equal(path.basename(page), 'FD1001.md');
    assert.match(readFileSync(page, 'utf8'), /^# FD1001: Unknown instruction/);
    const expose = d.find((x) => x.code === 'FD1006')!;
    assert.deepEqual(expose.range, { start: { line: 2, character: 7 }, end: { line: 2, character: 12 } });
  });

  it('updates diagnostics after an incremental change', async () => {
    const file = path.join(tmp, 'Dockerfile');
    const d = await c.change(
      file,
      [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 6 } }, text: 'RUN' }],
      (x) => !codes(x).includes('FD1001'),
    );
    assert.ok(!codes(d).includes('FD1001'));
    assert.ok(codes(d).includes('FD1006'));
  });

  it('honours per-rule settings (FD3059 turned off) and ignore comments', async () => {
    const file = path.join(tmp, 'b.Dockerfile');
    const d = await c.open(
      file,
      'FROM alpine:3.19\nRUN echo a\nRUN echo b\n# flotilla-ignore FD3019\nRUN apk add curl\nRUN apk add git\n',
      'dockerfile',
    );
    assert.ok(!codes(d).includes('FD3059'));
    assert.equal(d.filter((x) => x.code === 'FD3019').length, 1);
    assert.equal(d.find((x) => x.code === 'FD3019')!.range.start.line, 5);
  });

  it('accepts heredocs without false errors', async () => {
    const file = path.join(tmp, 'heredoc.Dockerfile');
    const d = await c.open(
      file,
      'FROM debian:12\nRUN <<EOF\nset -e\necho "FROM x" > /tmp/f\nFOOBAR\nEOF\nCMD ["sh"]\n',
      'dockerfile',
    );
    assert.deepEqual(
      d.filter((x) => x.severity === 1),
      [],
    );
  });

  it('offers quick fixes as workspace edits', async () => {
    const file = path.join(tmp, 'fix.Dockerfile');
    const d = await c.open(file, 'FROM debian:12\nRUN apt-get update && apt-get install -y curl=7.88\n', 'dockerfile');
    const diag = d.find((x) => x.code === 'FD3015')!;
    const actions = await c.request<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>(
      'textDocument/codeAction',
      {
        textDocument: { uri: c.uri(file) },
        range: diag.range,
        context: { diagnostics: [diag] },
      },
    );
    const fix = actions.find((a) => a.title.includes('--no-install-recommends'))!;
    assert.equal(fix.edit.changes[c.uri(file)][0].newText, ' --no-install-recommends');
    assert.ok(actions.some((a) => a.title === 'Ignore FD3015 on this line'));
  });

  it('goes from a client address to its Service, and warns on a port the Service lacks', async () => {
    const dir = path.join(tmp, 'addr');
    mkdirSync(path.join(dir, 'k8s'), { recursive: true });
    writeFileSync(path.join(dir, 'flotilla.yaml'), 'name: addr\nmanifests: ["k8s/*.yaml"]\n');
    const svc =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: catalog\nspec:\n  selector: {app: catalog}\n  ports: [{port: 3550, targetPort: 8080}]\n';
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  CATALOG: "catalog:3550"\n  OLD: "http://catalog:8080/x"\n';
    writeFileSync(path.join(dir, 'k8s', 'svc.yaml'), svc);
    const cmFile = path.join(dir, 'k8s', 'cm.yaml');
    writeFileSync(cmFile, cm);
    const d = await c.open(cmFile, cm);
    const warn = d.filter((x) => x.code === 'FX1014');
    assert.equal(warn.length, 1);
    assert.deepEqual(warn[0].range, { start: { line: 5, character: 15 }, end: { line: 5, character: 27 } });
    const defs = await c.request<{ uri: string; range: { start: { line: number } } }[]>('textDocument/definition', {
      textDocument: { uri: c.uri(cmFile) },
      position: { line: 4, character: 14 },
    });
    assert.deepEqual(
      defs.map((x) => [x.uri, x.range.start.line]),
      [[c.uri(path.join(dir, 'k8s', 'svc.yaml')), 3]],
    );
  });

  it('shows problems of a kustomize layout in the base file that holds them', async () => {
    const dir = path.join(tmp, 'kz');
    mkdirSync(path.join(dir, 'base'), { recursive: true });
    mkdirSync(path.join(dir, 'dev'), { recursive: true });
    writeFileSync(path.join(dir, 'flotilla.yaml'), 'name: kz\nkustomize: dev\n');
    writeFileSync(path.join(dir, 'base', 'kustomization.yaml'), 'resources: [app.yaml]\n');
    writeFileSync(path.join(dir, 'dev', 'kustomization.yaml'), 'resources: [../base]\nnamePrefix: dev-\n');
    const app =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          colour: red\n';
    const file = path.join(dir, 'base', 'app.yaml');
    writeFileSync(file, app);
    const d = await c.open(file, app);
    const unknown = d.find((x) => x.code === 'FK2001');
    assert.ok(unknown, JSON.stringify(d.map((x) => x.code)));
    assert.equal(unknown.range.start.line, 15, 'at the line of the base file, not of the rendered output');
    // an edit of the base (saved) is rendered again
    const fixed = app.replace('          colour: red\n', '');
    writeFileSync(file, fixed);
    const after = await c.change(file, [{ text: fixed }], (x) => !codes(x).includes('FK2001'));
    assert.ok(!codes(after).includes('FK2001'));
  });

  it('offers the conversion of an autoscaling/v1 HPA to v2', async () => {
    const file = path.join(tmp, 'hpa.yaml');
    const hpa =
      'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n  targetCPUUtilizationPercentage: 50\n';
    const d = await c.open(file, hpa);
    const diag = d.find((x) => x.code === 'FK1006')!;
    const actions = await c.request<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>(
      'textDocument/codeAction',
      { textDocument: { uri: c.uri(file) }, range: diag.range, context: { diagnostics: [diag] } },
    );
    const fix = actions.find((a) => a.title === 'Convert to autoscaling/v2')!;
    assert.deepEqual(
      fix.edit.changes[c.uri(file)].map((e) => e.newText),
      [
        'autoscaling/v2',
        'metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]',
      ],
    );
  });

  it('hovers Dockerfile instructions and completes instructions and flags', async () => {
    const file = path.join(tmp, 'fix.Dockerfile');
    const h = await c.request<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri: c.uri(file) },
      position: { line: 0, character: 2 },
    });
    assert.match(h.contents.value, /\*\*FROM\*\*/);
    await c.change(file, [
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'COPY --' },
    ]);
    const flags = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.uri(file) },
      position: { line: 2, character: 7 },
    });
    assert.ok(flags.some((f) => f.label === '--from'));
    await c.change(file, [
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 7 } }, text: 'COPY --from=' },
    ]);
    const stages = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.uri(file) },
      position: { line: 2, character: 12 },
    });
    assert.deepEqual(
      stages.map((s) => s.label),
      ['0'],
    );
    const kws = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.uri(file) },
      position: { line: 2, character: 0 },
    });
    assert.ok(kws.some((f) => f.label === 'HEALTHCHECK'));
  });

  it('validates a manifest against the schema and hovers official descriptions', async () => {
    const file = path.join(tmp, 'pod.yaml');
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: busybox:1.36\n      resources:\n        requests: {cpu: 100x}\n      imagePullPolicy: Sometimes\n';
    const d = await c.open(file, text);
    const q = d.find((x) => x.code === 'FK2005')!;
    assert.deepEqual(q.range, { start: { line: 9, character: 24 }, end: { line: 9, character: 28 } });
    assert.match(String(q.message), /spec\.containers\[0\]\.resources\.requests\.cpu/);
    assert.ok(codes(d).includes('FK2004'));
    const h = await c.request<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri: c.uri(file) },
      position: { line: 10, character: 8 },
    });
    assert.match(h.contents.value, /Image pull policy/);
  });

  it('completes manifest keys and enum values', async () => {
    const file = path.join(tmp, 'svc.yaml');
    await c.open(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: \n  \n');
    const vals = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.uri(file) },
      position: { line: 5, character: 8 },
    });
    assert.deepEqual(vals.map((v) => v.label).sort(), ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
    const keys = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.uri(file) },
      position: { line: 6, character: 2 },
    });
    assert.ok(keys.some((k) => k.label === 'selector'));
    assert.ok(!keys.some((k) => k.label === 'type'), 'an existing sibling key is not offered again');
  });

  it('checks across files of a stack, goes to definitions and lists symbols', async () => {
    const dir = path.join(tmp, 'stack');
    mkdirSync(path.join(dir, 'k8s'), { recursive: true });
    mkdirSync(path.join(dir, 'web'), { recursive: true });
    writeFileSync(
      path.join(dir, 'flotilla.yaml'),
      'name: s\nmanifests: ["k8s/*.yaml"]\nbuild:\n  - image: s/web\n    context: web\n',
    );
    writeFileSync(path.join(dir, 'web', 'Dockerfile'), 'FROM node:20\nEXPOSE 8080\nCMD ["node", "x"]\n');
    const dep =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: s/web\n          ports: [{containerPort: 8080}]\n';
    const svc =
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n';
    writeFileSync(path.join(dir, 'k8s', 'dep.yaml'), dep);
    writeFileSync(path.join(dir, 'k8s', 'svc.yaml'), svc);
    const svcFile = path.join(dir, 'k8s', 'svc.yaml');
    const depFile = path.join(dir, 'k8s', 'dep.yaml');
    const d0 = await c.open(svcFile, svc);
    assert.ok(!codes(d0).includes('FX1001'));
    // editing the Deployment's labels in another file flags the Service
    await c.open(depFile, dep);
    const d1Promise = c.waitFor(c.uri(svcFile), (d) => codes(d).includes('FX1001'));
    await c.change(depFile, [
      { range: { start: { line: 9, character: 20 }, end: { line: 9, character: 23 } }, text: 'api' },
    ]);
    const d1 = await d1Promise;
    // on the selector's label value the pod template no longer carries, where the fix goes
    assert.deepEqual(d1.find((x) => x.code === 'FX1001')!.range.start, { line: 5, character: 18 });
    await c.change(depFile, [
      { range: { start: { line: 9, character: 20 }, end: { line: 9, character: 23 } }, text: 'web' },
    ]);
    await c.waitFor(c.uri(svcFile), (d) => !codes(d).includes('FX1001'));
    // editing the build's Dockerfile re-checks the manifests that use its image
    const dfFile = path.join(dir, 'web', 'Dockerfile');
    await c.open(dfFile, 'FROM node:20\nEXPOSE 8080\nCMD ["node", "x"]\n', 'dockerfile');
    const exposed = c.waitFor(c.uri(depFile), (d) => codes(d).includes('FX1012'));
    await c.change(dfFile, [
      { range: { start: { line: 1, character: 7 }, end: { line: 1, character: 11 } }, text: '9090' },
    ]);
    assert.equal((await exposed).find((x) => x.code === 'FX1012')!.range.start.line, 14);
    const defs = await c.request<{ uri: string; range: { start: { line: number } } }[]>('textDocument/definition', {
      textDocument: { uri: c.uri(svcFile) },
      position: { line: 5, character: 15 },
    });
    assert.equal(defs[0].uri, c.uri(depFile));
    assert.equal(defs[0].range.start.line, 3);
    const img = await c.request<{ uri: string }[]>('textDocument/definition', {
      textDocument: { uri: c.uri(depFile) },
      position: { line: 13, character: 19 },
    });
    assert.equal(img[0].uri, c.uri(path.join(dir, 'web', 'Dockerfile')));
    const syms = await c.request<{ name: string; children: { name: string }[] }[]>('textDocument/documentSymbol', {
      textDocument: { uri: c.uri(depFile) },
    });
    assert.equal(syms[0].name, 'Deployment web');
    assert.equal(syms[0].children[0].name, 'web');
  });

  it('pulls flotilla.lint settings again on didChangeConfiguration', async () => {
    const file = path.join(tmp, 'cfg.Dockerfile');
    const d = await c.open(file, 'FROM debian\nCMD ["x"]\n', 'dockerfile');
    assert.equal(d.find((x) => x.code === 'FD3006')?.severity, 2);
    c.config = { rules: { FD3006: 'error', FD3057: 'off' } };
    const p = c.waitFor(c.uri(file), (x) => x.find((y) => y.code === 'FD3006')?.severity === 1);
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const after = await p;
    assert.ok(!codes(after).includes('FD3057'));
    c.config = { rules: { FD3059: 'off' } };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.waitFor(c.uri(file), (x) => x.find((y) => y.code === 'FD3006')?.severity === 2);
  });

  it('goes from an HPA scaleTargetRef to its Deployment', async () => {
    const file = path.join(tmp, 'stack', 'k8s', 'hpa.yaml');
    const hpa =
      'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  maxReplicas: 3\n';
    writeFileSync(file, hpa);
    await c.open(file, hpa);
    const defs = await c.request<{ uri: string; range: { start: { line: number } } }[]>('textDocument/definition', {
      textDocument: { uri: c.uri(file) },
      position: { line: 5, character: 65 },
    });
    assert.equal(defs[0]?.uri, c.uri(path.join(tmp, 'stack', 'k8s', 'dep.yaml')));
    assert.equal(defs[0].range.start.line, 3);
  });

  it('hovers and completes flotilla.yaml keys', async () => {
    const file = path.join(tmp, 'stack', 'flotilla.yaml');
    await c.open(file, 'name: s\nmanifests: ["k8s/*.yaml"]\nsecurity:\n  allow:\n    \n');
    const h = await c.request<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri: c.uri(file) },
      position: { line: 1, character: 2 },
    });
    assert.match(h.contents.value, /Manifest globs/);
    const keys = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.uri(file) },
      position: { line: 4, character: 4 },
    });
    assert.deepEqual(
      keys.map((k) => k.label),
      ['privileged', 'hostNetwork', 'hostPID', 'hostPath', 'capabilities'],
    );
    await c.change(file, [
      {
        range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } },
        text: 'build:\n  - {image: s/web, context: web}\n',
      },
    ]);
    const syms = await c.request<{ name: string; children: { name: string }[] }[]>('textDocument/documentSymbol', {
      textDocument: { uri: c.uri(file) },
    });
    assert.deepEqual(
      syms.map((x) => x.name),
      ['name', 'manifests', 'build', 'security'],
    );
    assert.equal(syms[2].children[0].name, 's/web');
  });

  it('gives YAML that is no manifest (CI workflows) only syntax errors', async () => {
    const d = await c.open(path.join(tmp, 'ci.yml'), 'on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n');
    assert.deepEqual(d, []);
    const bad = await c.open(path.join(tmp, 'ci2.yml'), 'on: [push\n');
    assert.deepEqual(codes(bad), ['FK1001']);
  });

  it('picks up files created on disk through watched-file events', async () => {
    const file = path.join(tmp, 'stack', 'k8s', 'late.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: late\nspec:\n  selector: {app: ghost}\n  ports: [{port: 80}]\n',
    );
    const p = c.waitFor(c.uri(file), (d) => codes(d).includes('FX1001'));
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: c.uri(file), type: 1 }] });
    assert.ok(codes(await p).includes('FX1001'));
  });

  it('keeps serving after garbage input', async () => {
    const file = path.join(tmp, 'junk.yaml');
    await c.open(file, 'apiVersion: v1\nkind: Pod\n  : [ }{ \n\t- *x\n');
    const h = await c.request('textDocument/hover', {
      textDocument: { uri: c.uri(file) },
      position: { line: 2, character: 3 },
    });
    assert.equal(h, null);
  });
});

describe('language server over node IPC', function () {
  this.timeout(30_000);
  it('serves diagnostics over --node-ipc, as the VS Code client starts it', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'flotilla-ipc-'));
    const c = await TestClient.start(tmp, { docker: false }, 'ipc');
    try {
      const d = await c.open(path.join(tmp, 'Dockerfile'), 'FROM node:20\nRUNN x\n', 'dockerfile');
      assert.ok(codes(d).includes('FD1001'));
    } finally {
      await c.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
