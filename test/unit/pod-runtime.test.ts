// The pure parts of running a pod: the downward API, $(VAR) expansion, volume plans and
// their files, mounts, container options (fieldRef env, hostPorts, groups, sandbox),
// runAsNonRoot, the template hash around mounted ConfigMaps, the gRPC health messages and
// the generated pause program.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import {
  expandVars,
  fieldValue,
  formatMap,
  podFacts,
  podUid,
  resourceValue,
  type PodFacts,
} from '../../extension/engine/controller/downward-api';
import { nonRootViolation } from '../../extension/engine/controller/pod-security';
import {
  containerCreateOptions,
  defaultRuntime,
  effectiveUser,
  podTemplateHash,
  sandboxOptions,
  type PodContext,
} from '../../extension/engine/controller/pod-spec';
import { needsSandbox } from '../../extension/engine/controller/pod-start';
import { dataDirName, localToken, mountsFor, planVolumes } from '../../extension/engine/controller/pod-volumes';
import { fileEntries } from '../../extension/engine/docker/volume-writer';
import { pauseElf } from '../../extension/engine/docker/pause-image';
import { imageUses } from '../../extension/engine/docker/image-pull';
import { decodeHealthStatus, encodeHealthRequest } from '../../extension/engine/health/grpc-check';
import { runHook } from '../../extension/engine/health/lifecycle';
import { sleep } from '../../extension/engine/util/abort';
import { createDocker } from '../../extension/engine/docker/client';
import { DEFAULT_SETTINGS } from '../../extension/engine/model/stack-file';
import { portsConflict, REASON_PORTS, schedule } from '../../extension/engine/scheduler/scheduler';
import type { ContainerSpec, DeploymentSpec, StackSpec } from '../../extension/engine/model/types';

const src = { file: '/s/k8s/x.yaml', line: 3, column: 1 };

function container(over: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: 'app',
    image: 'shop/app:1',
    env: [],
    envFrom: [],
    ports: [],
    requests: { cpuMilli: 250, memoryBytes: 64 << 20 },
    limits: { memoryBytes: 128 << 20 },
    ...over,
  };
}

function deployment(over: Partial<DeploymentSpec['template']> = {}): DeploymentSpec {
  return {
    name: 'app',
    source: src,
    replicas: 1,
    selector: { matchLabels: { app: 'app' }, matchExpressions: [] },
    template: {
      labels: { app: 'app', tier: 'web' },
      annotations: { note: 'say "hi"' },
      containers: [container()],
      nodeSelector: {},
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      namespace: 'shop',
      serviceAccountName: 'robot',
      ...over,
    },
    strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' },
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
  };
}

function stackWith(d: DeploymentSpec, extra: Partial<StackSpec> = {}): StackSpec {
  return {
    name: 'st',
    dir: '/s',
    file: '/s/flotilla.yaml',
    manifestFiles: [],
    builds: [],
    nodes: [],
    deployments: [d],
    jobs: [],
    cronJobs: [],
    services: [],
    hpas: [],
    configMaps: [{ name: 'cfg', source: src, data: { 'a.conf': 'A', b: 'B' } }],
    secrets: [{ name: 'sec', source: src, data: { token: 's3cret' } }],
    claims: [{ name: 'data', source: src, storageBytes: 1, accessModes: ['ReadWriteOnce'] }],
    ignored: [],
    warnings: [],
    settings: DEFAULT_SETTINGS,
    ...extra,
  };
}

const place = { replica: 'app-abc-xyz12', node: 'node-1', hash: 'h', createdAt: 1 };

function facts(over: Partial<PodFacts> = {}): PodFacts {
  return { ...podFacts(deployment().template, place.replica, 'st', 'node-1'), ...over };
}

describe('pod runtime (pure parts)', () => {
  describe('downward API', () => {
    it('reads pod fields, one label or annotation, and the whole maps in the kubelet file format', () => {
      const f = facts({ podIP: '10.0.0.5', hostIP: '10.0.0.1' });
      const v = (p: string) => fieldValue(f, { fieldPath: p });
      assert.equal(v('metadata.name'), 'app-abc-xyz12');
      assert.equal(v('metadata.namespace'), 'shop');
      assert.equal(v("metadata.labels['tier']"), 'web');
      assert.equal(v("metadata.annotations['missing']"), '');
      assert.equal(v('spec.nodeName'), 'node-1');
      assert.equal(v('spec.serviceAccountName'), 'robot');
      assert.equal(v('status.podIP'), '10.0.0.5');
      assert.equal(v('status.hostIP'), '10.0.0.1');
      assert.match(v('metadata.uid'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(podUid('st', 'x'), podUid('st', 'x'), 'stable across controller restarts');
      assert.equal(formatMap({ tier: 'web', app: 'a' }), 'app="a"\ntier="web"');
      assert.equal(v('metadata.annotations'), 'note="say \\"hi\\""');
      assert.throws(() => fieldValue(facts(), { fieldPath: 'status.podIP' }), /not known before the pod's network/);
    });

    it('divides resources by the divisor and rounds up; an unset limit reads as the node allocatable', () => {
      const cs = [container()];
      const node = { node: { cpuMilli: 4000, memoryBytes: 8 << 30 } };
      const r = (resource: string, divisor: number) => resourceValue(node, cs, 'app', { resource, divisor });
      assert.equal(r('requests.cpu', 1000), '1', '250m in cores rounds up');
      assert.equal(r('requests.cpu', 1), '250');
      assert.equal(r('limits.cpu', 1000), '4', 'no cpu limit: the node');
      assert.equal(r('limits.memory', 1 << 20), '128');
      assert.equal(r('requests.memory', 1), String(64 << 20));
      assert.throws(() => resourceValue(node, cs, 'app', { resource: 'limits.cpu', divisor: 1, containerName: 'x' }));
    });

    it('expands $(VAR) as Kubernetes does: defined names, kept unknowns, $$ escapes', () => {
      const vars: Record<string, string> = { A: 'one', B: 'two' };
      const x = (s: string) => expandVars(s, (n) => vars[n]);
      assert.equal(x('$(A)-$(B)'), 'one-two');
      assert.equal(x('$(C)'), '$(C)');
      assert.equal(x('$$(A)'), '$(A)');
      assert.equal(x('$A $'), '$A $');
      assert.equal(x('$(A'), '$(A');
      assert.equal(x('$()'), '$()');
    });
  });

  describe('volumes', () => {
    it('plans each source: shared emptyDir, tmpfs with size, claim, file volumes with items and modes', () => {
      const d = deployment({
        volumes: [
          { name: 'scratch', source: src, emptyDir: { medium: '' } },
          { name: 'mem', source: src, emptyDir: { medium: 'Memory', sizeLimitBytes: 1 << 20 } },
          { name: 'data', source: src, persistentVolumeClaim: { claimName: 'data', readOnly: false } },
          {
            name: 'cfg',
            source: src,
            configMap: {
              name: 'cfg',
              items: [{ key: 'a.conf', path: 'conf/a.conf', mode: 0o600 }],
              optional: false,
              defaultMode: 0o644,
            },
          },
          { name: 'sec', source: src, secret: { name: 'sec', optional: false, defaultMode: 0o400 } },
          {
            name: 'info',
            source: src,
            downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }], defaultMode: 0o644 },
          },
        ],
      });
      const p = planVolumes({ stack: stackWith(d), template: d.template, replica: place.replica, facts: facts() });
      assert.equal(p[0].dockerName, 'flotilla_st_app-abc-xyz12_scratch');
      assert.deepEqual(p[0].root, { mode: 0o777, gid: undefined });
      assert.deepEqual(p[1].driverOpts, { type: 'tmpfs', device: 'tmpfs', o: 'mode=777,size=1048576' });
      assert.equal(p[2].dockerName, 'flotilla_st_data');
      assert.equal(p[2].claim, 'data');
      assert.deepEqual(
        p[3].files?.map((f) => [f.path, f.content.toString(), f.mode]),
        [['conf/a.conf', 'A', 0o600]],
      );
      assert.equal(p[3].readOnly, true);
      assert.deepEqual(
        p[4].files?.map((f) => [f.path, f.mode]),
        [['token', 0o400]],
      );
      assert.equal(p[5].files?.[0].content.toString(), 'app-abc-xyz12');
    });

    it('binds a volume to the replica’s own claim when the placement says so (a StatefulSet ordinal)', () => {
      const d = deployment({ volumes: [{ name: 'data', source: src, emptyDir: { medium: '' } }] });
      const [v] = planVolumes({
        stack: stackWith(d),
        template: d.template,
        replica: 'db-0',
        facts: facts(),
        claims: { data: 'data-db-0' },
      });
      assert.deepEqual([v.dockerName, v.claim, v.error], ['flotilla_st_data-db-0', 'data-db-0', undefined]);
    });

    it('gives fsGroup the volumes: setgid roots in that group, group-readable files, gid on a tmpfs', () => {
      const d = deployment({
        security: { fsGroup: 2000, supplementalGroups: [] },
        volumes: [
          { name: 'scratch', source: src, emptyDir: { medium: '' } },
          { name: 'mem', source: src, emptyDir: { medium: 'Memory' } },
          { name: 'sec', source: src, secret: { name: 'sec', optional: false, defaultMode: 0o400 } },
        ],
      });
      const p = planVolumes({ stack: stackWith(d), template: d.template, replica: 'r', facts: facts() });
      assert.deepEqual(p[0].root, { mode: 0o2777, gid: 2000 });
      assert.equal(p[1].driverOpts?.o, 'mode=2777,gid=2000');
      assert.equal(p[2].files?.[0].mode, 0o440);
    });

    it('says why a pod cannot mount a missing ConfigMap, key or claim; an optional one is empty', () => {
      const plan = (volumes: NonNullable<DeploymentSpec['template']['volumes']>) => {
        const d = deployment({ volumes });
        return planVolumes({ stack: stackWith(d), template: d.template, replica: 'r', facts: facts() })[0];
      };
      assert.equal(
        plan([{ name: 'v', source: src, configMap: { name: 'nope', optional: false, defaultMode: 0o644 } }]).error,
        'configmap "nope" not found',
      );
      const optional = plan([
        { name: 'v', source: src, configMap: { name: 'nope', optional: true, defaultMode: 0o644 } },
      ]);
      assert.equal(optional.error, undefined);
      assert.deepEqual(optional.files, []);
      assert.equal(
        plan([
          {
            name: 'v',
            source: src,
            secret: { name: 'sec', items: [{ key: 'x', path: 'x' }], optional: false, defaultMode: 0o644 },
          },
        ]).error,
        'secret references non-existent secret key: x',
      );
      assert.equal(
        plan([{ name: 'v', source: src, persistentVolumeClaim: { claimName: 'other', readOnly: false } }]).error,
        'persistentvolumeclaim "other" not found',
      );
    });

    it('writes files in the atomic-writer layout, the data dir named after the content', () => {
      const files = [
        { path: 'conf/a', content: Buffer.from('A'), mode: 0o644 },
        { path: 'b', content: Buffer.from('B'), mode: 0o600 },
      ];
      const data = dataDirName(files);
      assert.match(data, /^\.\.[0-9a-f]{16}$/);
      assert.equal(dataDirName([...files].reverse()), data, 'order does not matter');
      assert.notEqual(dataDirName([{ ...files[0], content: Buffer.from('changed') }, files[1]]), data);
      const e = fileEntries('v', files, 7);
      assert.deepEqual(
        e.map((x) => [x.path, x.type, x.linkTarget ?? x.mode]),
        [
          [`v/${data}`, 'dir', 0o755],
          [`v/${data}/conf`, 'dir', 0o755],
          [`v/${data}/conf/a`, 'file', 0o644],
          [`v/${data}/b`, 'file', 0o600],
          ['v/..data', 'symlink', data],
          ['v/b', 'symlink', '..data/b'],
          ['v/conf', 'symlink', '..data/conf'],
        ],
      );
      assert.ok(e.every((x) => x.gid === 7));
    });

    it('mounts volumes as binds: nocopy named volumes, read-only file volumes, subPath inside the volume', () => {
      const d = deployment({
        volumes: [
          { name: 'scratch', source: src, emptyDir: { medium: '' } },
          { name: 'cfg', source: src, configMap: { name: 'cfg', optional: false, defaultMode: 0o644 } },
          { name: 'host', source: src, hostPath: { path: '/var/log' } },
        ],
      });
      const p = planVolumes({ stack: stackWith(d), template: d.template, replica: 'r', facts: facts() });
      const c = container({
        volumeMounts: [
          { name: 'scratch', mountPath: '/tmp', readOnly: false },
          { name: 'cfg', mountPath: '/etc/app', readOnly: false },
          { name: 'cfg', mountPath: '/etc/b', readOnly: false, subPath: 'b' },
          { name: 'scratch', mountPath: '/per-pod', readOnly: false, subPathExpr: 'logs/$(POD)' },
          { name: 'host', mountPath: '/h', readOnly: true, subPath: 'app' },
        ],
      });
      assert.deepEqual(
        mountsFor(c, p, { POD: 'r' }, { flotilla_st_r_scratch: '/vol/s/_data', flotilla_st_r_cfg: '/vol/c/_data' }),
        [
          'flotilla_st_r_scratch:/tmp:rw,nocopy',
          'flotilla_st_r_cfg:/etc/app:ro,nocopy',
          '/vol/c/_data/b:/etc/b:ro',
          '/vol/s/_data/logs/r:/per-pod:rw',
          '/var/log/app:/h:ro',
        ],
      );
    });

    it('makes a service account token that says it is not a real one', () => {
      const d = deployment();
      const t = localToken(
        { stack: stackWith(d), template: d.template, replica: 'r', facts: facts() },
        undefined,
        3600,
      );
      const [, claims, sig] = t.split('.');
      assert.equal(Buffer.from(sig, 'base64url').toString(), 'local-not-a-real-token');
      const c: unknown = JSON.parse(Buffer.from(claims, 'base64url').toString());
      assert.deepEqual(
        c && typeof c === 'object' && 'sub' in c ? c.sub : undefined,
        'system:serviceaccount:shop:robot',
      );
    });
  });

  describe('containers', () => {
    it('resolves fieldRef env per replica, expands $(VAR) in env and command, and keeps the hash free of it', () => {
      const c = container({
        command: ['serve', '--advertise=$(ADDR)'],
        env: [
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'ADDR', value: '$(POD_IP):8080' },
          { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: 1 << 20 } } },
        ],
      });
      const d = deployment({ containers: [c] });
      const ctx: PodContext = { stack: stackWith(d), imageIds: {} };
      const rt = defaultRuntime(ctx, d, place);
      rt.facts.podIP = '172.20.0.9';
      const o = containerCreateOptions(ctx, d, place, rt, c, 0);
      assert.ok(o.Env?.includes('POD_IP=172.20.0.9'));
      assert.ok(o.Env?.includes('NAME=app-abc-xyz12'));
      assert.ok(o.Env?.includes('ADDR=172.20.0.9:8080'));
      assert.ok(o.Env?.includes('MEM=128'));
      assert.deepEqual(o.Entrypoint, ['serve', '--advertise=172.20.0.9:8080']);
      assert.equal(podTemplateHash(ctx, d), podTemplateHash(ctx, d), 'stable without pod facts');
      assert.ok(needsSandbox(d.template), 'status.podIP needs the address before the first container exists');
      assert.ok(!needsSandbox(deployment().template));
    });

    it('publishes hostPorts on the network owner at the bind address, and joins the sandbox when there is one', () => {
      const c = container({ ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 8088 }] });
      const d = deployment({ containers: [c], security: { fsGroup: 2000, supplementalGroups: [3000, 2000] } });
      const ctx: PodContext = { stack: stackWith(d), imageIds: {} };
      const rt = defaultRuntime(ctx, d, place);
      const o = containerCreateOptions(ctx, d, place, rt, c, 0);
      assert.deepEqual(o.HostConfig?.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8088' }] });
      assert.equal(o.Labels?.['dev.flotilla.host-ports'], ':8088/TCP');
      assert.deepEqual(o.HostConfig?.GroupAdd, ['2000', '3000']);
      const withSandbox = containerCreateOptions(ctx, d, place, { ...rt, sandbox: 'st_app_POD' }, c, 0);
      assert.equal(withSandbox.HostConfig?.NetworkMode, 'container:st_app_POD');
      assert.equal(withSandbox.HostConfig?.PortBindings, undefined);
      assert.equal(withSandbox.ExposedPorts, undefined, 'Docker refuses exposed ports in container network mode');
      const sb = sandboxOptions(ctx, d, place, 'flotilla.local/pause:x', rt.planned);
      assert.equal(sb.StopSignal, 'SIGKILL');
      assert.equal(sb.Labels?.['dev.flotilla.role'], 'sandbox');
      assert.deepEqual(sb.HostConfig?.PortBindings, { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8088' }] });
    });

    it('sets the user from runAsUser/runAsGroup, container over pod; a group alone keeps the image user', () => {
      const d = deployment({ security: { runAsUser: 1000, supplementalGroups: [] } });
      assert.equal(effectiveUser(container(), d), '1000');
      assert.equal(
        effectiveUser(
          container({
            security: { privileged: false, capAdd: [], capDrop: [], runAsGroup: 5, readOnlyRootFilesystem: false },
          }),
          d,
        ),
        '1000:5',
      );
      const g = deployment({ security: { runAsGroup: 7, supplementalGroups: [] } });
      assert.equal(effectiveUser(container(), g, 'node'), 'node:7');
      assert.equal(effectiveUser(container(), g, ''), '0:7');
      assert.equal(effectiveUser(container(), deployment()), undefined);
    });

    it('refuses runAsNonRoot with the kubelet’s messages', () => {
      const d = deployment({ security: { runAsNonRoot: true, supplementalGroups: [] } });
      assert.match(
        nonRootViolation(container(), d, '', 'p') ?? '',
        /^container has runAsNonRoot and image will run as root \(pod: "p_shop\(/,
      );
      assert.match(nonRootViolation(container(), d, '0:0', 'p') ?? '', /image will run as root/);
      assert.match(
        nonRootViolation(container(), d, 'node', 'p') ?? '',
        /image has non-numeric user \(node\), cannot verify user is non-root/,
      );
      assert.equal(nonRootViolation(container(), d, '1000', 'p'), undefined);
      const root = deployment({ security: { runAsNonRoot: true, runAsUser: 0, supplementalGroups: [] } });
      assert.match(
        nonRootViolation(container(), root, '1000', 'p') ?? '',
        /container's runAsUser breaks non-root policy/,
      );
      assert.equal(nonRootViolation(container(), deployment(), '', 'p'), undefined);
    });

    it('keeps a mounted ConfigMap value out of the template hash, but not its key set', () => {
      const d = deployment({
        volumes: [{ name: 'cfg', source: src, configMap: { name: 'cfg', optional: false, defaultMode: 0o644 } }],
      });
      const hash = (data: Record<string, string>) =>
        podTemplateHash({ stack: stackWith(d, { configMaps: [{ name: 'cfg', source: src, data }] }), imageIds: {} }, d);
      const base = hash({ 'a.conf': 'A', b: 'B' });
      assert.equal(hash({ 'a.conf': 'changed', b: 'B' }), base, 'a value is written in place');
      assert.notEqual(hash({ 'a.conf': 'A' }), base, 'a removed key rolls');
      const moved = {
        ...d,
        template: { ...d.template, volumes: d.template.volumes?.map((v) => ({ ...v, source: { ...src, line: 99 } })) },
      };
      const s0 = stackWith(d);
      assert.equal(
        podTemplateHash({ stack: s0, imageIds: {} }, moved),
        podTemplateHash({ stack: s0, imageIds: {} }, d),
        'moving a line in the manifest does not roll the pods',
      );
    });
  });

  it('schedules hostPorts as kube-scheduler NodePorts does, every virtual node sharing the one host', () => {
    assert.ok(portsConflict('127.0.0.1:80/TCP', '127.0.0.1:80/TCP'));
    assert.ok(portsConflict('0.0.0.0:80/TCP', '127.0.0.1:80/TCP'), '0.0.0.0 takes every address');
    assert.ok(!portsConflict('127.0.0.1:80/TCP', '127.0.0.2:80/TCP'));
    assert.ok(!portsConflict('127.0.0.1:80/TCP', '127.0.0.1:80/UDP'));
    assert.ok(!portsConflict('127.0.0.1:80/TCP', '127.0.0.1:81/TCP'));
    const nodes = ['a', 'b'].map((name) => ({
      name,
      cpuMilli: 4000,
      memoryBytes: 8 << 30,
      labels: {},
      unschedulable: false,
    }));
    const pod = (replica: string) => ({
      replica,
      deployment: 'web',
      cpuMilli: 0,
      memoryBytes: 0,
      nodeSelector: {},
      hostPorts: ['127.0.0.1:8080/TCP'],
    });
    const bound = [{ ...pod('old'), node: 'a' }];
    assert.deepEqual(schedule(nodes, bound, [pod('new')]), [
      { replica: 'new', pending: `0/2 nodes are available: 2 ${REASON_PORTS}.` },
    ]);
    const [first, second] = schedule(nodes, [], [pod('p1'), pod('p2')]);
    assert.ok('node' in first);
    assert.deepEqual(second, { replica: 'p2', pending: `0/2 nodes are available: 2 ${REASON_PORTS}.` });
  });

  it('settles images the stack does not build once per pull policy, init containers included', () => {
    const d = deployment({
      initContainers: [container({ name: 'init', image: 'tools:1', imagePullPolicy: 'Never' })],
      containers: [
        container({ image: 'shop/app:1' }),
        container({ name: 'side', image: 'redis', imagePullPolicy: 'Always' }),
        container({ name: 'side2', image: 'redis', imagePullPolicy: 'Always' }),
      ],
    });
    assert.deepEqual(
      imageUses(stackWith(d), { 'shop/app:1': 'sha256:built' }).map((u) => [u.image, u.policy, u.container]),
      [
        ['tools:1', 'Never', 'init'],
        ['redis', 'Always', 'side'],
      ],
    );
  });

  it('runs a sleep hook without touching the container, cut at its budget', async () => {
    const target = { docker: createDocker(), containerId: 'none', ports: [], container: 'app', pod: 'p' };
    assert.deepEqual(await runHook(target, { sleep: { seconds: 0 } }, 1000), { ok: true, message: '' });
    assert.deepEqual(await runHook(target, { sleep: { seconds: 3600 } }, 20), { ok: true, message: '' });
    assert.equal((await runHook(target, {}, 20)).ok, false, 'a hook without an action fails');
  });

  it("a hook's sleep ends at once when the controller stops, and leaves no listener on its signal", async () => {
    const stop = new AbortController();
    await sleep(1, stop.signal);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0, 'a sleep that ended left its listener');
    const long = sleep(3_600_000, stop.signal);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 1);
    stop.abort();
    await long;
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
  });

  it('encodes and decodes the grpc.health.v1 messages', () => {
    assert.deepEqual(encodeHealthRequest(''), Buffer.alloc(0));
    assert.deepEqual(encodeHealthRequest('ready'), Buffer.from([0x0a, 5, ...Buffer.from('ready')]));
    assert.equal(decodeHealthStatus(Buffer.from([0x08, 0x01])), 1);
    assert.equal(decodeHealthStatus(Buffer.alloc(0)), 0);
    assert.equal(decodeHealthStatus(Buffer.from([0x12, 0x01, 0x41, 0x08, 0x02])), 2, 'unknown fields skipped');
  });

  it('generates a static ELF that loops in pause() (x86-64) or ppoll() (arm64)', () => {
    for (const [arch, machine] of [
      ['x86_64', 0x3e],
      ['aarch64', 0xb7],
    ] as const) {
      const elf = pauseElf(arch);
      assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
      assert.equal(elf.readUInt16LE(18), machine);
      assert.equal(Number(elf.readBigUInt64LE(24)), 0x400000 + 120, 'entry right after the headers');
      assert.equal(Number(elf.readBigUInt64LE(96)), elf.length, 'one segment covering the file');
    }
  });
});
