// Desired containers for a replica: env precedence, service env vars, limits, the
// network alias set, and a template hash that moves exactly when it should.
import assert from 'node:assert/strict';
import {
  containerOptions,
  podTemplateHash,
  replicaName,
  resolveEnv,
  type PodContext,
} from '../../extension/engine/controller/pod-spec';
import { serviceEnv } from '../../extension/engine/controller/pod-network';
import { DEFAULT_SETTINGS } from '../../extension/engine/model/stack-file';
import type { ContainerSpec, DeploymentSpec, StackSpec } from '../../extension/engine/model/types';

const src = { file: '/s/k8s/x.yaml', line: 1, column: 1 };

function container(over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: 'api',
    image: 'shop/api',
    env: [],
    envFrom: [],
    ports: [{ name: 'http', containerPort: 3000, protocol: 'TCP' }],
    requests: { cpuMilli: 100, memoryBytes: 64 << 20 },
    limits: { cpuMilli: 500, memoryBytes: 128 << 20 },
    ...over,
  };
}

function deployment(c: ContainerSpec[], name = 'api'): DeploymentSpec {
  return {
    name,
    source: src,
    replicas: 2,
    selector: { matchLabels: { app: name }, matchExpressions: [] },
    template: {
      labels: { app: name },
      annotations: {},
      containers: c,
      nodeSelector: {},
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
    strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' },
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
  };
}

function stackWith(d: DeploymentSpec[], extra: Partial<StackSpec> = {}): StackSpec {
  return {
    name: 'shop',
    dir: '/s',
    file: '/s/flotilla.yaml',
    manifestFiles: [],
    builds: [],
    nodes: [],
    deployments: d,
    jobs: [],
    cronJobs: [],
    services: [
      {
        name: 'api',
        source: src,
        type: 'ClusterIP',
        selector: { app: 'api' },
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
        publishNotReadyAddresses: false,
      },
    ],
    hpas: [],
    configMaps: [{ name: 'cfg', source: src, data: { A: 'from-cm', B: 'b' } }],
    secrets: [{ name: 'sec', source: src, data: { TOKEN: 's3cret' } }],
    claims: [],
    ignored: [],
    warnings: [],
    settings: DEFAULT_SETTINGS,
    ...extra,
  };
}

describe('pod spec', () => {
  it('injects Kubernetes service env vars with the resolved target port', () => {
    const s = stackWith([deployment([container()])]);
    assert.deepEqual(serviceEnv(s), {
      API_SERVICE_HOST: 'api',
      API_SERVICE_PORT: '3000',
      API_SERVICE_PORT_HTTP: '3000',
    });
  });

  it('applies envFrom, then env, over service vars; resolves ConfigMap and Secret keys', () => {
    const c = container({
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'sec' } }],
      env: [
        { name: 'A', value: 'explicit' },
        { name: 'FROM_KEY', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'B' } } },
        { name: 'API_SERVICE_HOST', value: 'override' },
      ],
    });
    const env = resolveEnv(stackWith([deployment([c])]), c);
    assert.equal(env.A, 'explicit');
    assert.equal(env.B, 'b');
    assert.equal(env.S_TOKEN, 's3cret');
    assert.equal(env.FROM_KEY, 'b');
    assert.equal(env.API_SERVICE_HOST, 'override');
  });

  it('fails with a message naming the missing ConfigMap key, unless optional', () => {
    const c = container({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE' } } }] });
    assert.throws(() => resolveEnv(stackWith([deployment([c])]), c), /env X refers to ConfigMap "cfg" key "NOPE"/);
    const opt = container({
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'NOPE', optional: true } } }],
    });
    assert.equal(resolveEnv(stackWith([deployment([opt])]), opt).X, undefined);
  });

  it('turns limits into cgroup limits, labels the replica and aliases it by its Services', () => {
    const d = deployment([
      container(),
      container({ name: 'sidecar', image: 'side', ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }] }),
    ]);
    const ctx: PodContext = { stack: stackWith([d]), imageIds: {} };
    const [main, side] = containerOptions(ctx, d, {
      replica: 'api-abc-xyz12',
      node: 'node-a',
      hash: 'abc',
      createdAt: 5,
    });
    assert.equal(main.HostConfig?.NanoCpus, 500_000_000);
    assert.equal(main.HostConfig?.Memory, 128 << 20);
    assert.equal(main.Labels?.['dev.flotilla.stack'], 'shop');
    assert.equal(main.Labels?.['dev.flotilla.replica'], 'api-abc-xyz12');
    assert.equal(main.Labels?.['dev.flotilla.node'], 'node-a');
    assert.equal(main.Labels?.['dev.flotilla.cpu-request'], '100');
    assert.deepEqual(main.NetworkingConfig?.EndpointsConfig?.flotilla_shop.Aliases, ['api-abc-xyz12', 'api']);
    assert.equal(main.Hostname, 'api-abc-xyz12');
    assert.equal(side.HostConfig?.NetworkMode, 'container:shop_api-abc-xyz12');
    // Docker refuses exposed ports on a container in another's network namespace.
    assert.deepEqual(main.ExposedPorts, { '3000/tcp': {} });
    assert.equal(side.ExposedPorts, undefined);
    assert.equal(side.name, 'shop_api-abc-xyz12_sidecar');
  });

  it('applies the securityContext the stack allowed: privileged, capabilities, user, read-only root, hostPID', () => {
    const d = deployment([
      container({
        security: {
          privileged: true,
          capAdd: ['NET_ADMIN'],
          capDrop: ['ALL'],
          runAsUser: 1000,
          runAsGroup: 1000,
          readOnlyRootFilesystem: true,
        },
      }),
    ]);
    d.template.hostPID = true;
    d.template.volumes = [
      { name: 'logs', source: src, hostPath: { path: '/var/log' } },
      { name: 'scratch', source: src, emptyDir: { medium: '' } },
    ];
    d.template.containers[0].volumeMounts = [
      { name: 'logs', mountPath: '/host-logs', readOnly: true },
      { name: 'scratch', mountPath: '/tmp' },
    ].map((m) => ({ readOnly: false, ...m }));
    const [o] = containerOptions({ stack: stackWith([d]), imageIds: {} }, d, {
      replica: 'r',
      node: 'n',
      hash: 'h',
      createdAt: 1,
    });
    assert.equal(o.HostConfig?.Privileged, true);
    assert.deepEqual(o.HostConfig?.CapAdd, ['NET_ADMIN']);
    assert.deepEqual(o.HostConfig?.CapDrop, ['ALL']);
    assert.equal(o.HostConfig?.ReadonlyRootfs, true);
    assert.equal(o.HostConfig?.PidMode, 'host');
    assert.equal(o.User, '1000:1000');
    assert.deepEqual(o.HostConfig?.Binds, ['/var/log:/host-logs:ro', 'flotilla_shop_r_scratch:/tmp:rw,nocopy']);
    const [plain] = containerOptions(
      { stack: stackWith([deployment([container()])]), imageIds: {} },
      deployment([container()]),
      { replica: 'r', node: 'n', hash: 'h', createdAt: 1 },
    );
    assert.equal(plain.HostConfig?.Privileged, undefined);
    assert.equal(plain.HostConfig?.PidMode, undefined);
  });

  it('maps command to the entrypoint and args to the command, as Kubernetes does', () => {
    const d = deployment([container({ command: ['node'], args: ['server.js'] })]);
    const [o] = containerOptions({ stack: stackWith([d]), imageIds: {} }, d, {
      replica: 'r',
      node: 'n',
      hash: 'h',
      createdAt: 1,
    });
    assert.deepEqual([o.Entrypoint, o.Cmd], [['node'], ['server.js']]);
  });

  it('changes the template hash on a template edit, a rebuilt image, a used ConfigMap value and a restart; not otherwise', () => {
    const d = deployment([container({ envFrom: [{ configMapRef: { name: 'cfg' } }] })]);
    const s = stackWith([d]);
    const base = podTemplateHash({ stack: s, imageIds: { 'shop/api': 'sha256:1' } }, d);
    assert.equal(podTemplateHash({ stack: s, imageIds: { 'shop/api': 'sha256:1' } }, d), base, 'stable');
    assert.notEqual(podTemplateHash({ stack: s, imageIds: { 'shop/api': 'sha256:2' } }, d), base, 'new image');
    assert.notEqual(
      podTemplateHash({ stack: s, imageIds: { 'shop/api': 'sha256:1' }, restartedAt: 'now' }, d),
      base,
      'restart',
    );
    const cm = stackWith([d], { configMaps: [{ name: 'cfg', source: src, data: { A: 'changed' } }] });
    assert.notEqual(podTemplateHash({ stack: cm, imageIds: { 'shop/api': 'sha256:1' } }, d), base, 'ConfigMap value');
    const d2 = deployment([container({ envFrom: [{ configMapRef: { name: 'cfg' } }] })]);
    d2.replicas = 7;
    assert.equal(
      podTemplateHash({ stack: s, imageIds: { 'shop/api': 'sha256:1' } }, d2),
      base,
      'replica count is not part of the template',
    );
  });

  describe('with ClusterIPs', () => {
    const network: PodContext['network'] = {
      mode: 'cluster',
      dnsServer: '10.9.128.10',
      domain: 'cluster.local',
      clusterIPs: new Map([
        ['default/api', '10.9.128.20'],
        ['shop/cart', '10.9.128.21'],
      ]),
    };
    const withServices = (d: DeploymentSpec[]) =>
      stackWith(d, {
        services: [
          ...stackWith([]).services,
          {
            name: 'cart',
            namespace: 'shop',
            source: src,
            type: 'ClusterIP',
            selector: { app: 'cart' },
            ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
            publishNotReadyAddresses: false,
          },
          {
            name: 'db-hl',
            source: src,
            type: 'ClusterIP',
            clusterIP: 'None',
            selector: { app: 'db' },
            ports: [{ port: 5432, targetPort: 5432, protocol: 'TCP' }],
            publishNotReadyAddresses: false,
          },
        ],
      });

    it("sets a cluster's service env vars: ClusterIP and Service port, only the pod's namespace, not headless", () => {
      const s = withServices([deployment([container()])]);
      assert.deepEqual(serviceEnv(s, network, 'default'), {
        API_SERVICE_HOST: '10.9.128.20',
        API_SERVICE_PORT: '80',
        API_SERVICE_PORT_HTTP: '80',
        API_PORT: 'tcp://10.9.128.20:80',
        API_PORT_80_TCP: 'tcp://10.9.128.20:80',
        API_PORT_80_TCP_PROTO: 'tcp',
        API_PORT_80_TCP_PORT: '80',
        API_PORT_80_TCP_ADDR: '10.9.128.20',
      });
      assert.deepEqual(Object.keys(serviceEnv(s, network, 'shop')), [
        'CART_SERVICE_HOST',
        'CART_SERVICE_PORT',
        'CART_PORT',
        'CART_PORT_80_TCP',
        'CART_PORT_80_TCP_PROTO',
        'CART_PORT_80_TCP_PORT',
        'CART_PORT_80_TCP_ADDR',
      ]);
    });

    it("gives the replica only its own name, the proxy's DNS with the namespace's search list, and hostname/subdomain", () => {
      const d = deployment([
        container(),
        container({
          name: 'sidecar',
          image: 'side',
          ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }],
        }),
      ]);
      d.template.namespace = 'shop';
      d.template.hostname = 'api-0';
      d.template.subdomain = 'db-hl';
      const [main, side] = containerOptions({ stack: withServices([d]), imageIds: {}, network }, d, {
        replica: 'api-abc-xyz12',
        node: 'n',
        hash: 'h',
        createdAt: 1,
      });
      assert.deepEqual(main.NetworkingConfig?.EndpointsConfig?.flotilla_shop.Aliases, ['api-abc-xyz12']);
      assert.deepEqual(main.HostConfig?.Dns, ['10.9.128.10']);
      assert.deepEqual(main.HostConfig?.DnsSearch, ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
      assert.deepEqual(main.HostConfig?.DnsOptions, ['ndots:5']);
      assert.equal(main.Hostname, 'api-0');
      assert.equal(main.Domainname, 'db-hl.shop.svc.cluster.local');
      assert.ok(main.Env?.includes('CART_SERVICE_HOST=10.9.128.21'));
      assert.ok(!main.Env?.some((e) => e.startsWith('API_SERVICE_HOST')), 'api is in another namespace');
      // A sidecar shares the first container's network namespace, DNS included (Docker refuses both).
      assert.equal(side.HostConfig?.Dns, undefined);
      assert.equal(side.Hostname, undefined);
    });

    it('keeps the template hash when a Service is added or its ClusterIP is known; a template edit still moves it', () => {
      const d = deployment([container()]);
      const base = podTemplateHash({ stack: stackWith([d]), imageIds: {}, network }, d);
      assert.equal(podTemplateHash({ stack: withServices([d]), imageIds: {}, network }, d), base, 'a new Service');
      const other = { ...network, clusterIPs: new Map([['default/api', '10.9.128.99']]) };
      assert.equal(podTemplateHash({ stack: stackWith([d]), imageIds: {}, network: other }, d), base);
      const edited = deployment([container({ args: ['--verbose'] })]);
      assert.notEqual(podTemplateHash({ stack: stackWith([edited]), imageIds: {}, network }, edited), base);
      // In the alias layout a new Service is part of the replica's container (its alias), so it rolls.
      assert.notEqual(
        podTemplateHash({ stack: withServices([d]), imageIds: {} }, d),
        podTemplateHash({ stack: stackWith([d]), imageIds: {} }, d),
      );
    });
  });

  it('names replicas like Kubernetes pods', () => {
    assert.match(replicaName('web', '5d8f9c7b6a'), /^web-5d8f9c7b6a-[a-z0-9]{5}$/);
  });
});
