// Pod features in the stack model: volumes and their sources, mounts, the downward API
// in env, gRPC probes, lifecycle hooks, security contexts, pull policy, hostPort, init
// containers and standalone claims; each refusal names its file and line, as the API
// server would refuse the same manifest.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultPullPolicy } from '../../extension/engine/model/container';
import { loadStack } from '../../extension/engine/model/load-stack';

function stack(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pod-model-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A Deployment whose pod spec is `spec` (indented under `    spec:`). */
function deployment(spec: string, meta = 'name: web'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {${meta}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
${spec
  .split('\n')
  .map((l) => (l ? `      ${l}` : l))
  .join('\n')}
`;
}

function load(manifest: string, extra: Record<string, string> = {}) {
  return loadStack(
    stack({ 'flotilla.yaml': 'name: s\nmanifests: ["k8s/*.yaml"]\n', 'k8s/web.yaml': manifest, ...extra }),
  );
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

const C = `containers:
  - name: web
    image: shop/web:1`;

describe('pod model', () => {
  it('reads configMap, secret, emptyDir, claim, downwardAPI and projected volumes with defaults; 0644 is octal', () => {
    const m = deployment(`volumes:
  - {name: cfg, configMap: {name: app, items: [{key: a, path: conf/a.txt, mode: 0600}], defaultMode: 0644}}
  - {name: sec, secret: {secretName: creds, optional: true}}
  - {name: tmp, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
  - {name: data, persistentVolumeClaim: {claimName: data, readOnly: true}}
  - name: info
    downwardAPI:
      items:
        - {path: labels, fieldRef: {fieldPath: metadata.labels}}
        - {path: mem, resourceFieldRef: {containerName: web, resource: limits.memory, divisor: 1Mi}}
  - name: all
    projected:
      defaultMode: 420
      sources:
        - configMap: {name: app}
        - serviceAccountToken: {path: token}
${C}
    volumeMounts: [{name: cfg, mountPath: /etc/app, subPath: conf}, {name: tmp, mountPath: /scratch, subPathExpr: "$(POD)"}]`);
    const { stack: s, problems } = load(m);
    assert.deepEqual(problems, []);
    const v = s!.deployments[0].template.volumes!;
    assert.deepEqual(v[0].configMap, {
      name: 'app',
      items: [{ key: 'a', path: 'conf/a.txt', mode: 0o600 }],
      optional: false,
      defaultMode: 0o644,
    });
    assert.deepEqual(v[1].secret, { name: 'creds', items: undefined, optional: true, defaultMode: 0o644 });
    assert.deepEqual(v[2].emptyDir, { medium: 'Memory', sizeLimitBytes: 64 * 2 ** 20 });
    assert.deepEqual(v[3].persistentVolumeClaim, { claimName: 'data', readOnly: true });
    assert.deepEqual(v[4].downwardAPI?.items[1].resourceFieldRef, {
      containerName: 'web',
      resource: 'limits.memory',
      divisor: 2 ** 20,
    });
    assert.equal(v[5].projected?.sources[1].serviceAccountToken?.expirationSeconds, 3600);
    assert.equal(v[4].source.line, lineOf(m, 'name: info'));
    const mounts = s!.deployments[0].template.containers[0].volumeMounts!;
    assert.equal(mounts[0].subPath, 'conf');
    assert.equal(mounts[1].subPathExpr, '$(POD)');
  });

  it('refuses what the API server refuses in volumes, at the offending line', () => {
    const cases: [string, string, RegExp][] = [
      ['two sources', `volumes: [{name: x, emptyDir: {}, hostPath: {path: /}}]\n${C}`, /more than one volume type/],
      ['no source', `volumes: [{name: x}]\n${C}`, /must specify a volume type/],
      [
        'dotdot',
        `volumes: [{name: x, configMap: {name: a, items: [{key: k, path: ../k}]}}]\n${C}`,
        /must not contain '\.\.'/,
      ],
      ['absolute', `volumes: [{name: x, secret: {secretName: a, items: [{key: k, path: /k}]}}]\n${C}`, /relative path/],
      ['mode', `volumes: [{name: x, configMap: {name: a, defaultMode: 0999}}]\n${C}`, /file mode between 0 and 0777/],
      [
        'downward field',
        `volumes: [{name: x, downwardAPI: {items: [{path: ip, fieldRef: {fieldPath: status.podIP}}]}}]\n${C}`,
        /unsupported value "status.podIP" in a downwardAPI volume/,
      ],
      [
        'downward container',
        `volumes: [{name: x, downwardAPI: {items: [{path: c, resourceFieldRef: {resource: limits.cpu}}]}}]\n${C}`,
        /containerName: is required in a downwardAPI volume/,
      ],
      [
        'divisor',
        `volumes: [{name: x, downwardAPI: {items: [{path: c, resourceFieldRef: {containerName: web, resource: limits.cpu, divisor: 2}}]}}]\n${C}`,
        /"2" is not a valid divisor for limits.cpu/,
      ],
      [
        'projected paths',
        `volumes: [{name: x, projected: {sources: [{configMap: {name: a, items: [{key: k, path: p}]}}, {secret: {name: b, items: [{key: k, path: p}]}}]}}]\n${C}`,
        /conflicting duplicate path "p"/,
      ],
      [
        'subPath',
        `volumes: [{name: x, emptyDir: {}}]\n${C}\n    volumeMounts: [{name: x, mountPath: /x, subPath: ../up}]`,
        /must not contain/,
      ],
      [
        'both subPaths',
        `volumes: [{name: x, emptyDir: {}}]\n${C}\n    volumeMounts: [{name: x, mountPath: /x, subPath: a, subPathExpr: b}]`,
        /mutually exclusive/,
      ],
      [
        'mountPath twice',
        `volumes: [{name: x, emptyDir: {}}]\n${C}\n    volumeMounts: [{name: x, mountPath: /x}, {name: x, mountPath: /x}]`,
        /must be unique/,
      ],
    ];
    for (const [what, spec, re] of cases) {
      const m = deployment(spec);
      const r = load(m);
      assert.equal(r.stack, undefined, what);
      const p = r.problems.find((x) => re.test(x.message));
      assert.ok(p, `${what}: ${r.problems.map((x) => x.message).join('; ')}`);
      assert.ok(p.line > 8 && p.file.endsWith('web.yaml'), `${what}: line ${p.line}`);
    }
  });

  it('reads env fieldRef and resourceFieldRef, and refuses field paths env cannot read', () => {
    const ok = deployment(`${C}
    env:
      - {name: NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
      - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
      - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
      - {name: CPU, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}`);
    const r = load(ok);
    assert.deepEqual(r.problems, []);
    const env = r.stack!.deployments[0].template.containers[0].env;
    assert.deepEqual(env[1].valueFrom?.fieldRef, { fieldPath: "metadata.labels['tier']" });
    assert.deepEqual(env[3].valueFrom?.resourceFieldRef, {
      containerName: undefined,
      resource: 'requests.cpu',
      divisor: 1,
    });
    const bad = deployment(`${C}
    env:
      - {name: L, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}
      - {name: R, valueFrom: {resourceFieldRef: {resource: limits.cpu, containerName: nope}}}`);
    const rb = load(bad);
    assert.match(rb.problems[0].message, /unsupported value "metadata.labels"/);
    assert.equal(rb.problems[0].line, lineOf(bad, 'fieldPath: metadata.labels'));
    assert.match(rb.problems[1].message, /no container named "nope"/);
  });

  it('reads gRPC probes, lifecycle hooks, pull policy, hostPort and security contexts', () => {
    const m = deployment(
      `securityContext: {runAsUser: 1000, fsGroup: 2000, supplementalGroups: [3000], runAsNonRoot: true}
serviceAccountName: robot
${C}
    imagePullPolicy: Never
    ports: [{containerPort: 8080, hostPort: 18080}]
    readinessProbe: {grpc: {port: 9000, service: ready}}
    livenessProbe: {grpc: {port: 9000}}
    securityContext: {runAsGroup: 5, runAsNonRoot: false}
    lifecycle:
      postStart: {exec: {command: [sh, -c, "echo hi"]}}
      preStop: {sleep: {seconds: 3}}`,
      'name: web, namespace: shop',
    );
    const { stack: s, problems } = load(m);
    assert.deepEqual(problems, []);
    const t = s!.deployments[0].template;
    const c = t.containers[0];
    assert.deepEqual(c.readinessProbe?.grpc, { port: 9000, service: 'ready' });
    assert.deepEqual(c.livenessProbe?.grpc, { port: 9000, service: '' });
    assert.deepEqual(c.lifecycle, {
      postStart: { exec: { command: ['sh', '-c', 'echo hi'] } },
      preStop: { sleep: { seconds: 3 } },
    });
    assert.equal(c.imagePullPolicy, 'Never');
    assert.deepEqual(c.ports[0], { name: undefined, containerPort: 8080, protocol: 'TCP', hostPort: 18080 });
    assert.equal(c.security?.runAsNonRoot, false);
    assert.deepEqual(t.security, {
      runAsUser: 1000,
      runAsGroup: undefined,
      runAsNonRoot: true,
      fsGroup: 2000,
      supplementalGroups: [3000],
    });
    assert.equal(t.serviceAccountName, 'robot');
    assert.equal(t.namespace, 'shop');
  });

  it('refuses a probe with two actions, a gRPC port by name and a tcpSocket lifecycle hook', () => {
    const m = deployment(`${C}
    readinessProbe: {grpc: {port: grpc}}
    livenessProbe: {exec: {command: [x]}, grpc: {port: 1}}
    lifecycle: {preStop: {tcpSocket: {port: 80}}}`);
    const msgs = load(m).problems.map((p) => p.message);
    assert.ok(
      msgs.some((x) => /readinessProbe\.grpc\.port: expected an integer/.test(x)),
      msgs.join('\n'),
    );
    assert.ok(msgs.some((x) => /exactly one of httpGet, tcpSocket, exec or grpc/.test(x)));
    assert.ok(msgs.some((x) => /tcpSocket is not a lifecycle action the kubelet runs/.test(x)));
  });

  it('defaults imagePullPolicy as Kubernetes does', () => {
    assert.equal(defaultPullPolicy('nginx'), 'Always');
    assert.equal(defaultPullPolicy('nginx:latest'), 'Always');
    assert.equal(defaultPullPolicy('registry:5000/team/app'), 'Always');
    assert.equal(defaultPullPolicy('registry:5000/team/app:1.2'), 'IfNotPresent');
    assert.equal(defaultPullPolicy('app@sha256:abc'), 'IfNotPresent');
  });

  it('reads init containers and refuses what init containers may not have', () => {
    const m = deployment(`initContainers:
  - {name: migrate, image: shop/web:1, command: [sh, -c, "true"]}
  - name: wait
    image: shop/web:1
    readinessProbe: {exec: {command: ["true"]}}
    restartPolicy: Always
${C}`);
    const r = load(m);
    assert.ok(
      r.problems.some(
        (p) => /may not be set for init containers/.test(p.message) && p.line === lineOf(m, 'readinessProbe'),
      ),
    );
    assert.ok(r.problems.some((p) => /sidecar init containers/.test(p.message)));
    const ok = load(deployment(`initContainers:\n  - {name: migrate, image: shop/web:1}\n${C}`));
    assert.deepEqual(ok.problems, []);
    assert.deepEqual(
      ok.stack!.deployments[0].template.initContainers?.map((c) => c.name),
      ['migrate'],
    );
    const dup = load(deployment(`initContainers:\n  - {name: web, image: shop/web:1}\n${C}`));
    assert.match(dup.problems[0].message, /duplicate container name "web"/);
  });

  it('reads a standalone PersistentVolumeClaim and refuses one without storage', () => {
    const claim =
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n';
    const r = load(deployment(C), { 'k8s/pvc.yaml': claim });
    assert.deepEqual(r.problems, []);
    assert.deepEqual(
      r.stack!.claims.map((c) => [c.name, c.storageBytes, c.accessModes]),
      [['data', 2 ** 30, ['ReadWriteOnce']]],
    );
    const bad = claim.replace('  resources: {requests: {storage: 1Gi}}\n', '');
    const rb = load(deployment(C), { 'k8s/pvc.yaml': bad });
    assert.match(rb.problems[0].message, /a claim must request storage/);
    assert.ok(rb.problems[0].file.endsWith('pvc.yaml'));
  });
});
