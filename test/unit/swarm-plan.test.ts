// The stack → Swarm translation (pure): workload and proxy services, resources, health, update policy,
// placement, node labels, env with the Service port, and which changes give a new spec hash.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStackOrThrow } from '../../extension/engine/model/load-stack';
import { planSwarm, publishedPort } from '../../extension/engine/deploy/swarm/plan';
import type { SwarmNode } from '../../extension/engine/deploy/swarm/plan-types';
import type { AnyWorkload } from '../../extension/engine/deploy/swarm/workload-kinds';
import type { StackSpec } from '../../extension/engine/model/types';

const API = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      nodeSelector: {zone: a, kubernetes.io/arch: amd64}
      containers:
        - name: api
          image: shop/api
          ports: [{name: http, containerPort: 3000}]
          envFrom: [{configMapRef: {name: cfg}}]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 500m, memory: 128Mi}
          readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 2, failureThreshold: 4}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 3
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]
`;
const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 2}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: flotilla.local/busybox:1
          command: [httpd, -f]
          env: [{name: API_URL, value: "http://api"}]
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function load(cfgValue = 'one'): StackSpec {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-swarm-plan-'));
  dirs.push(dir);
  const files: Record<string, string> = {
    'flotilla.yaml': `name: shop\nmanifests: ["k8s/*.yaml"]\nnodes:\n  - {name: node-a, cpu: "2", memory: 2Gi, labels: {zone: a}}\n  - {name: n3, cpu: "2", memory: 2Gi, labels: {zone: c}}\n`,
    'k8s/api.yaml': API,
    'k8s/web.yaml': WEB,
    'k8s/cfg.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {GREETING: ${cfgValue}}\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return loadStackOrThrow(dir);
}

const NODES: SwarmNode[] = ['n1', 'n2', 'n3'].map((h, i) => ({
  id: `id${i + 1}`,
  hostname: h,
  addr: `10.0.0.${i + 1}`,
  ready: true,
  manager: i === 0,
  labels: {},
}));

function plan(stack = load(), currentReplicas?: Record<string, number>) {
  return planSwarm({
    stack,
    images: { 'shop/api': 'reg:5000/shop/api@sha256:aa' },
    proxyImage: 'reg:5000/flotilla/proxy@sha256:bb',
    nodes: NODES,
    currentReplicas,
  });
}

describe('swarm plan', () => {
  it('runs a Deployment as a replicated dnsrr service with reservations, limits, healthcheck and constraints', () => {
    const api = plan().services.find((s) => s.name === 'shop_api');
    assert.ok(api);
    const t = api.spec.TaskTemplate;
    assert.ok(t && 'ContainerSpec' in t && t.ContainerSpec);
    assert.equal(t.ContainerSpec.Image, 'reg:5000/shop/api@sha256:aa');
    assert.deepEqual(t.Resources, {
      Reservations: { NanoCPUs: 100_000_000, MemoryBytes: 64 * 1024 * 1024 },
      Limits: { NanoCPUs: 500_000_000, MemoryBytes: 128 * 1024 * 1024 },
    });
    assert.deepEqual(t.Placement?.Constraints, ['node.labels.zone==a', 'node.platform.arch==x86_64']);
    assert.equal(api.spec.EndpointSpec?.Mode, 'dnsrr');
    const hc = t.ContainerSpec.HealthCheck;
    assert.equal(hc?.Test?.[0], 'CMD-SHELL');
    assert.match(hc?.Test?.[1] ?? '', /http:\/\/127\.0\.0\.1:3000\/readyz/);
    assert.equal(hc?.Interval, 2e9);
    assert.equal(hc?.Retries, 4);
    // The HPA's minimum is kept: 2 in the manifest, 3 at least.
    assert.deepEqual(api.spec.Mode, { Replicated: { Replicas: 3 } });
    assert.deepEqual(api.hpa, { min: 3, max: 5 });
    // Env: the ConfigMap's values, and the Service port (the proxy's), not the target port.
    const env = t.ContainerSpec.Env ?? [];
    assert.ok(env.includes('GREETING=one'));
    assert.ok(env.includes('API_SERVICE_PORT=80'), env.join(' '));
    assert.ok(env.includes('API_SERVICE_HOST=api'));
  });

  it('maps maxSurge/maxUnavailable to update_config: start-first when nothing may be unavailable', () => {
    const p = plan();
    const api = p.services.find((s) => s.name === 'shop_api')?.spec.UpdateConfig;
    assert.equal(api?.Order, 'start-first');
    assert.equal(api?.Parallelism, 1);
    assert.equal(api?.FailureAction, 'rollback');
    const web = p.services.find((s) => s.name === 'shop_web')?.spec.UpdateConfig;
    assert.equal(web?.Order, 'stop-first');
    assert.equal(web?.Parallelism, 2);
  });

  it('makes each Service a proxy carrying its names; NodePort ones run globally and publish in host mode', () => {
    const p = plan();
    const api = p.services.find((s) => s.name === 'shop_svc-api');
    const web = p.services.find((s) => s.name === 'shop_svc-web');
    assert.ok(api && web);
    const apiNet =
      api.spec.TaskTemplate && 'ContainerSpec' in api.spec.TaskTemplate ? api.spec.TaskTemplate.Networks : [];
    assert.deepEqual(apiNet?.[0].Aliases, ['api', 'api.default', 'api.default.svc', 'api.default.svc.cluster.local']);
    assert.deepEqual(api.spec.Mode, { Replicated: { Replicas: 2 } });
    assert.deepEqual(web.spec.Mode, { Global: {} });
    const port = web.spec.EndpointSpec?.Ports?.[0];
    assert.equal(port?.PublishMode, 'host');
    assert.equal(port?.TargetPort, 80);
    assert.ok(port?.PublishedPort && port.PublishedPort >= 30000 && port.PublishedPort <= 32767);
    assert.equal(port?.PublishedPort, publishedPort('shop', load().services[1], 80));
    assert.equal(api.spec.EndpointSpec?.Ports?.length, 0);
  });

  it('labels swarm nodes from the stack file: by hostname when one matches, else in hostname order', () => {
    const labels = plan().nodeLabels.map((n) => `${n.hostname}=${n.stackNode}:${n.labels.zone}`);
    assert.deepEqual(labels.sort(), ['n1=node-a:a', 'n3=n3:c']);
  });

  it('gives a new spec hash only where something changed; a scaled HPA target keeps its count', () => {
    const a = plan();
    const b = plan(load('two'));
    const hash = (p: ReturnType<typeof plan>, n: string) => p.services.find((s) => s.name === n)?.hash;
    assert.notEqual(hash(a, 'shop_api'), hash(b, 'shop_api'));
    assert.equal(hash(a, 'shop_web'), hash(b, 'shop_web'));
    assert.equal(hash(a, 'shop_svc-api'), hash(b, 'shop_svc-api'));
    const scaled = plan(load(), { shop_api: 5 });
    assert.deepEqual(scaled.services.find((s) => s.name === 'shop_api')?.spec.Mode, { Replicated: { Replicas: 5 } });
    assert.equal(hash(scaled, 'shop_api'), hash(a, 'shop_api'));
    assert.deepEqual(plan(load(), { shop_api: 9 }).services.find((s) => s.name === 'shop_api')?.spec.Mode, {
      Replicated: { Replicas: 5 },
    });
  });
});

describe('swarm plan: other workload kinds and file volumes', () => {
  const withKind = (fields: AnyWorkload, stack: StackSpec = load()): StackSpec => {
    return { ...stack, deployments: [fields, ...stack.deployments.filter((d) => d.name !== fields.name)] };
  };
  const api = () => load().deployments.find((d) => d.name === 'api');

  it('runs a StatefulSet as one service per ordinal, pinned to a node, with its claim volume and pod names', () => {
    const base = api();
    assert.ok(base);
    const stack = withKind({
      ...base,
      name: 'db',
      kind: 'StatefulSet',
      replicas: 2,
      template: {
        ...base.template,
        containers: [
          { ...base.template.containers[0], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }] },
        ],
      },
      statefulSet: {
        serviceName: 'db',
        podManagementPolicy: 'OrderedReady',
        updateStrategy: 'RollingUpdate',
        partition: 0,
        volumeClaimTemplates: [
          { name: 'data', source: base.source, storageBytes: 1 << 20, accessModes: ['ReadWriteOnce'] },
        ],
      },
    });
    const p = planSwarm({ stack, images: {}, proxyImage: 'p', nodes: NODES, currentPins: { 'shop_db-1': 'id3' } });
    const ordinals = p.services.filter((s) => s.object === 'db');
    assert.deepEqual(
      ordinals.map((s) => s.name),
      ['shop_db-0', 'shop_db-1'],
    );
    const spec = (i: number) => {
      const t = ordinals[i].spec.TaskTemplate;
      assert.ok(t && 'ContainerSpec' in t && t.ContainerSpec);
      return t;
    };
    assert.ok(spec(0).Placement?.Constraints?.includes('node.id==id1'));
    assert.ok(spec(1).Placement?.Constraints?.includes('node.id==id3'), 'an ordinal keeps the node it has');
    assert.equal(spec(1).ContainerSpec?.Hostname, 'db-1');
    assert.deepEqual(
      spec(1).ContainerSpec?.Mounts?.map((m) => [m.Type, m.Source, m.Target]),
      [['volume', 'shop_data-db-1', '/data']],
    );
    assert.ok(spec(0).Networks?.[0].Aliases?.includes('db-0.db.default.svc.cluster.local'));
    // Each ordinal's claim volume is prepared on its own node, by a one-shot service that mounts the same volume.
    const setup = ordinals[1].claimSetup;
    assert.ok(setup, 'an ordinal with a claim has a setup service');
    const st = setup.TaskTemplate;
    assert.ok(st && 'ContainerSpec' in st && st.ContainerSpec);
    assert.equal(setup.Name, 'shop_db-1_claims');
    assert.deepEqual(setup.Mode, { Replicated: { Replicas: 1 } });
    assert.equal(st.RestartPolicy?.Condition, 'none');
    assert.deepEqual(st.Placement?.Constraints, ['node.id==id3']);
    assert.equal(st.ContainerSpec.Image, 'p');
    assert.equal(st.ContainerSpec.User, '0');
    assert.deepEqual(
      st.ContainerSpec.Mounts?.map((m) => [m.Type, m.Source, m.ReadOnly, m.VolumeOptions?.Labels]),
      [['volume', 'shop_data-db-1', false, spec(1).ContainerSpec?.Mounts?.[0].VolumeOptions?.Labels]],
    );
    assert.match(st.ContainerSpec.Command?.join(' ') ?? '', /chmod 0777/);
    assert.equal(setup.Labels?.['dev.flotilla.role'], 'setup');
  });

  it('prepares a fresh claim volume for fsGroup as the kubelet does: group-owned, setgid, group rwx', () => {
    const base = api();
    assert.ok(base);
    const stack = withKind({
      ...base,
      name: 'db',
      kind: 'StatefulSet',
      replicas: 1,
      template: {
        ...base.template,
        security: { fsGroup: 2000, supplementalGroups: [] },
        containers: [
          { ...base.template.containers[0], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }] },
        ],
      },
      statefulSet: {
        serviceName: 'db',
        podManagementPolicy: 'OrderedReady',
        updateStrategy: 'RollingUpdate',
        partition: 0,
        volumeClaimTemplates: [
          { name: 'data', source: base.source, storageBytes: 1 << 20, accessModes: ['ReadWriteOnce'] },
        ],
      },
    });
    const p = planSwarm({ stack, images: {}, proxyImage: 'p', nodes: NODES });
    const t = p.services.find((s) => s.object === 'db')?.claimSetup?.TaskTemplate;
    assert.ok(t && 'ContainerSpec' in t);
    const script = t.ContainerSpec?.Command?.join(' ') ?? '';
    assert.match(script, /chgrp 2000 "\$d" && chmod 02777 "\$d"/);
    assert.match(script, /chgrp 2000 "\$d" && chmod g\+rwxs "\$d"/);
    // No image to run it on: the plan says what the user gets instead of failing.
    const none = planSwarm({ stack, images: {}, proxyImage: '', nodes: NODES });
    assert.equal(none.services.find((s) => s.object === 'db')?.claimSetup, undefined);
    assert.ok(none.warnings.some((w) => /claim volumes stay as Docker makes them/.test(w)));
    // A Deployment has no claim template, so nothing to prepare.
    assert.ok(p.services.filter((s) => s.object !== 'db').every((s) => !s.claimSetup));
  });

  it('runs a DaemonSet as a global service and a Job as a replicated job', () => {
    const base = api();
    assert.ok(base);
    const ds = planSwarm({
      stack: withKind({
        ...base,
        name: 'agent',
        kind: 'DaemonSet',
        daemonSet: { updateStrategy: 'RollingUpdate', maxUnavailable: 1 },
      }),
      images: {},
      proxyImage: 'p',
      nodes: NODES,
    }).services.find((s) => s.object === 'agent');
    assert.deepEqual(ds?.spec.Mode, { Global: {} });
    const job = planSwarm({
      stack: withKind({
        ...base,
        name: 'migrate',
        kind: 'Job',
        job: { completions: 3, parallelism: 2, backoffLimit: 4 },
      }),
      images: {},
      proxyImage: 'p',
      nodes: NODES,
    }).services.find((s) => s.object === 'migrate');
    assert.deepEqual(job?.spec.Mode, { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 3 } });
    const t = job?.spec.TaskTemplate;
    assert.ok(t && 'ContainerSpec' in t);
    assert.equal(t.RestartPolicy?.MaxAttempts, 4);
  });

  it('mounts configMap volumes as configs versioned by content, one per key', () => {
    const base = api();
    assert.ok(base);
    const volumeFor = (stack: StackSpec) => {
      const d = stack.deployments.find((x) => x.name === 'api');
      assert.ok(d);
      const withVolume = {
        ...d,
        template: {
          ...d.template,
          volumes: [{ name: 'cfg', source: d.source, configMap: { name: 'cfg', optional: false, defaultMode: 0o440 } }],
          containers: [
            { ...d.template.containers[0], volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }] },
          ],
        },
      };
      return planSwarm({ stack: withKind(withVolume, stack), images: {}, proxyImage: 'p', nodes: NODES });
    };
    const p1 = volumeFor(load('one'));
    const p2 = volumeFor(load('two'));
    assert.equal(p1.configs.length, 1);
    assert.equal(p1.configs[0].data, 'one');
    assert.notEqual(p1.configs[0].name, p2.configs[0].name);
    const t = p1.services.find((s) => s.name === 'shop_api')?.spec.TaskTemplate;
    assert.ok(t && 'ContainerSpec' in t);
    assert.deepEqual(t.ContainerSpec?.Configs, [
      { File: { Name: '/etc/cfg/GREETING', UID: '0', GID: '0', Mode: 0o440 }, ConfigName: p1.configs[0].name },
    ]);
  });
});
