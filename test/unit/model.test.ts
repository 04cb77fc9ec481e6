// The stack model: stack file, skaffold.yaml, manifests, and the file:line of every problem.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStack } from '../../extension/engine/model/load-stack';

function stack(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-model-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: shop/web
          ports: [{name: http, containerPort: 8080}]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: "1", memory: 128Mi}
          readinessProbe: {httpGet: {path: /healthz, port: http}}
`;

describe('stack model', () => {
  it('reads the stack file, expands globs and types every resource with Kubernetes defaults', () => {
    const dir = stack({
      'flotilla.yaml':
        'name: shop\nmanifests: ["k8s/*.yaml"]\nbuild:\n  - {image: shop/web, context: web}\nnodes:\n  - {name: a, cpu: "2", memory: 2Gi, labels: {zone: a}}\n',
      'web/Dockerfile': 'FROM scratch\n',
      'k8s/web.yaml':
        DEPLOY +
        '---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: http}]\n',
      'k8s/other.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n',
    });
    const { stack: s, problems } = loadStack(dir);
    assert.deepEqual(problems, []);
    assert.ok(s);
    assert.equal(s.name, 'shop');
    assert.deepEqual(s.nodes, [
      { name: 'a', cpuMilli: 2000, memoryBytes: 2 * 1024 ** 3, labels: { zone: 'a' }, unschedulable: false },
    ]);
    assert.equal(s.builds[0].context, path.join(dir, 'web'));
    assert.equal(s.builds[0].dockerfile, path.join(dir, 'web/Dockerfile'));
    const d = s.deployments[0];
    assert.equal(d.replicas, 2);
    assert.deepEqual(d.strategy, { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' });
    assert.equal(d.progressDeadlineSeconds, 600);
    assert.equal(d.template.terminationGracePeriodSeconds, 30);
    const c = d.template.containers[0];
    assert.deepEqual(c.requests, { cpuMilli: 100, memoryBytes: 64 * 1024 ** 2 });
    assert.deepEqual(c.limits, { cpuMilli: 1000, memoryBytes: 128 * 1024 ** 2 });
    assert.deepEqual(c.readinessProbe && { ...c.readinessProbe, httpGet: undefined }, {
      httpGet: undefined,
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(s.services[0].ports[0].targetPort, 'http');
    assert.deepEqual(
      s.ignored.map((i) => [i.kind, i.name, i.source.line]),
      [['example.com/v1/Widget', 'w', 1]],
    );
    assert.equal(d.source.line, 1);
  });

  it('reads a skaffold.yaml the same way when there is no flotilla.yaml', () => {
    const dir = stack({
      'skaffold.yaml':
        'apiVersion: skaffold/v4beta6\nkind: Config\nmetadata: {name: Demo_App}\nbuild:\n  artifacts:\n    - image: demo/web\n      context: web\n      docker: {dockerfile: Dockerfile.dev, buildArgs: {A: "1"}}\nmanifests:\n  rawYaml: ["k8s/*.yaml"]\n',
      'web/Dockerfile.dev': 'FROM scratch\n',
      'k8s/web.yaml': DEPLOY,
    });
    const { stack: s, problems } = loadStack(dir);
    assert.deepEqual(problems, []);
    assert.equal(s!.name, 'demo-app');
    assert.equal(s!.builds[0].image, 'demo/web');
    assert.equal(s!.builds[0].dockerfile, path.join(dir, 'web/Dockerfile.dev'));
    assert.deepEqual(s!.builds[0].buildArgs, { A: '1' });
    assert.equal(s!.deployments.length, 1);
  });

  it('prefers flotilla.yaml over skaffold.yaml', () => {
    const dir = stack({
      'flotilla.yaml': 'name: one\nmanifests: ["k8s/*.yaml"]\n',
      'skaffold.yaml': 'manifests: {rawYaml: ["x.yaml"]}\n',
      'k8s/web.yaml': DEPLOY,
    });
    assert.equal(loadStack(dir).stack?.name, 'one');
  });

  it('reports each problem with file, line and a fix, and returns no stack', () => {
    const dir = stack({
      'flotilla.yaml':
        'name: Shop!\nmanifests: ["k8s/*.yaml", "nothing/*.yaml"]\nbuild:\n  - {image: x, context: missing}\nsetings: {}\n',
      'k8s/web.yaml': DEPLOY.replace('replicas: 2', 'replicas: two').replace('cpu: 100m', 'cpu: 100x'),
    });
    const { stack: s, problems } = loadStack(dir);
    assert.equal(s, undefined);
    const text = problems.map((p) => `${path.basename(p.file)}:${p.line} ${p.message}`);
    assert.ok(
      text.some((t) => /^flotilla\.yaml:1 name "Shop!" is not a valid stack name/.test(t)),
      text.join('\n'),
    );
    assert.ok(
      text.some((t) => /^flotilla\.yaml:4 Build context "missing" is not a folder/.test(t)),
      text.join('\n'),
    );
    assert.ok(
      text.some((t) => /^flotilla\.yaml:5 Unknown key "setings" in the stack file\. Did you mean "settings"\?/.test(t)),
      text.join('\n'),
    );
  });

  it('reports manifest problems at the offending line, across documents', () => {
    const dir = stack({
      'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml", "nothing/*.yaml"]\n',
      'k8s/web.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n' +
        DEPLOY.replace('replicas: 2', 'replicas: two').replace('cpu: 100m', 'cpu: 100x'),
    });
    const { problems } = loadStack(dir);
    const text = problems.map((p) => `${path.basename(p.file)}:${p.line} ${p.message}`);
    assert.ok(text.includes('web.yaml:9 spec.replicas: expected an integer, got string "two"'), text.join('\n'));
    assert.ok(
      text.some((t) =>
        /^web\.yaml:19 spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: invalid cpu quantity "100x"/.test(
          t,
        ),
      ),
      text.join('\n'),
    );
    assert.ok(
      text.some((t) => /^flotilla\.yaml:2 "nothing\/\*\.yaml" matches no file/.test(t)),
      text.join('\n'),
    );
  });

  it('reports YAML syntax errors with their position, and an alias bomb without hanging', () => {
    const bomb =
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';
    const dir = stack({
      'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\n',
      'k8s/bad.yaml': 'kind: [\n',
      'k8s/bomb.yaml': bomb,
    });
    const { problems } = loadStack(dir);
    assert.ok(problems.some((p) => p.file.endsWith('bad.yaml') && p.message.startsWith('YAML:')));
    assert.ok(problems.some((p) => p.file.endsWith('bomb.yaml') && /alias/i.test(p.message)));
  });

  it('refuses host access unless the stack allows it', () => {
    const priv = DEPLOY.replace(
      '          readinessProbe',
      '          securityContext: {privileged: true, capabilities: {add: [NET_ADMIN], drop: [ALL]}}\n          readinessProbe',
    ).replace('    spec:\n      containers', '    spec:\n      hostPID: true\n      containers');
    const denied = loadStack(stack({ 'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\n', 'k8s/web.yaml': priv }));
    assert.deepEqual(denied.problems.map((p) => [p.code, /security\.allow\.(\w+)/.exec(p.message)?.[1]]).sort(), [
      ['FP1001', 'privileged'],
      ['FP1003', 'hostPID'],
      ['FP1005', 'capabilities'],
    ]);
    const allowed = loadStack(
      stack({
        'flotilla.yaml':
          'name: s\nmanifests: ["k8s/*.yaml"]\nsecurity: {allow: {privileged: true, hostPID: true, capabilities: true}}\n',
        'k8s/web.yaml': priv,
      }),
    );
    assert.deepEqual(allowed.problems, []);
    const d = allowed.stack!.deployments[0];
    assert.equal(d.template.hostPID, true);
    assert.deepEqual(d.template.containers[0].security, {
      privileged: true,
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      runAsUser: undefined,
      runAsGroup: undefined,
      runAsNonRoot: undefined,
      readOnlyRootFilesystem: false,
    });
  });

  it('refuses what the local engine cannot do even when allowed, and warns about volumes it does not mount', () => {
    const hostNet = DEPLOY.replace(
      '    spec:\n      containers',
      '    spec:\n      hostNetwork: true\n      containers',
    );
    const r = loadStack(
      stack({
        'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\nsecurity: {allow: {hostNetwork: true}}\n',
        'k8s/web.yaml': hostNet,
      }),
    );
    assert.match(r.problems[0].message, /hostNetwork is not supported by the local engine/);
    assert.equal(r.problems[0].line, 10);
    const vols = DEPLOY.replace(
      '    spec:\n      containers',
      '    spec:\n      volumes: [{name: data, emptyDir: {}}, {name: share, nfs: {server: s, path: /}}]\n      containers',
    ).replace(
      '          readinessProbe',
      '          volumeMounts: [{name: data, mountPath: /data}]\n          readinessProbe',
    );
    const w = loadStack(stack({ 'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\n', 'k8s/web.yaml': vols }));
    assert.deepEqual(w.problems, []);
    assert.deepEqual(
      w.stack!.warnings.map((x) => x.message),
      [
        'Deployment field spec.template.spec.volumes[].nfs is not honoured by Flotilla: this volume type is not mounted (the local engine mounts emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected volumes).',
      ],
    );
    assert.deepEqual(
      w.stack!.deployments[0].template.volumes?.map((v) => [v.name, v.emptyDir]),
      [['data', { medium: '', sizeLimitBytes: undefined }]],
    );
    const typo = loadStack(
      stack({
        'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\n',
        'k8s/web.yaml': vols.replace('{name: data, mountPath', '{name: dta, mountPath'),
      }),
    );
    assert.match(typo.problems[0].message, /no volume named "dta" in spec\.volumes/);
  });

  it('rejects a Deployment whose selector does not match its template, and duplicate names', () => {
    const dir = stack({
      'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\n',
      'k8s/a.yaml': DEPLOY.replace('matchLabels: {app: web}', 'matchLabels: {app: api}').replace(
        'name: web}',
        'name: api}',
      ),
      'k8s/b.yaml': DEPLOY,
      'k8s/c.yaml': DEPLOY,
    });
    const text = loadStack(dir).problems.map((p) => p.message);
    assert.ok(
      text.some((t) => t.startsWith('spec.selector: selector does not match the template labels')),
      text.join('\n'),
    );
    assert.ok(
      text.some((t) => t.startsWith('duplicate Deployment "web"')),
      text.join('\n'),
    );
  });

  it('refuses binary and oversized manifests with a message instead of parsing them', () => {
    const dir = stack({ 'flotilla.yaml': 'name: s\nmanifests: ["k8s/*"]\n', 'k8s/blob.yaml': 'a\u0000b' });
    assert.match(loadStack(dir).problems[0].message, /binary file/);
  });
});

describe('environment overrides', () => {
  const base = 'name: s\nmanifests: ["k8s/*.yaml"]\n';
  const withEnv = (env: Record<string, string>, fn: () => void) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      fn();
    } finally {
      for (const k of Object.keys(env)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  };

  it('uses the environment node pool and bind address only where the stack file is silent', () => {
    withEnv(
      {
        FLOTILLA_NODE_COUNT: '3',
        FLOTILLA_NODE_CPU: '1',
        FLOTILLA_NODE_MEMORY: '1Gi',
        FLOTILLA_BIND_ADDRESS: '0.0.0.0',
      },
      () => {
        const silent = loadStack(stack({ 'flotilla.yaml': base, 'k8s/web.yaml': DEPLOY })).stack!;
        assert.deepEqual(
          silent.nodes.map((n) => [n.name, n.cpuMilli]),
          [
            ['node-a', 1000],
            ['node-b', 1000],
            ['node-c', 1000],
          ],
        );
        assert.equal(silent.settings.bindAddress, '0.0.0.0');
        const explicit = loadStack(
          stack({
            'flotilla.yaml': base + 'nodes: [{name: x, cpu: "4", memory: 1Gi}]\nsettings: {bindAddress: 127.0.0.2}\n',
            'k8s/web.yaml': DEPLOY,
          }),
        ).stack!;
        assert.deepEqual(
          explicit.nodes.map((n) => n.name),
          ['x'],
        );
        assert.equal(explicit.settings.bindAddress, '127.0.0.2');
      },
    );
  });

  it('lets the fast-dev overrides win over the stack file, and reports a bad value', () => {
    withEnv({ FLOTILLA_BACKOFF_BASE_SECONDS: '0.5', FLOTILLA_TERMINATION_GRACE_SECONDS: '2' }, () => {
      const s = loadStack(
        stack({
          'flotilla.yaml': base + 'settings: {backoffBaseSeconds: 10, terminationGracePeriodSeconds: 30}\n',
          'k8s/web.yaml': DEPLOY,
        }),
      ).stack!;
      assert.equal(s.settings.backoffBaseSeconds, 0.5);
      assert.equal(s.settings.terminationGracePeriodSeconds, 2);
    });
    withEnv({ FLOTILLA_BACKOFF_MAX_SECONDS: 'soon' }, () => {
      const r = loadStack(stack({ 'flotilla.yaml': base, 'k8s/web.yaml': DEPLOY }));
      assert.match(r.problems[0].message, /FLOTILLA_BACKOFF_MAX_SECONDS=soon is not a number/);
    });
  });
});
