// Pod volumes on the real engine: an emptyDir shared by the containers and init containers
// of a pod (and removed with it), a memory-backed emptyDir (a tmpfs of the asked size that
// outlives a container restart), configMap and secret volumes with items and modes, a
// changed ConfigMap reaching the running pod's files (a subPath copy staying as it was),
// subPath and subPathExpr, readOnly, downwardAPI and projected volumes, and a missing
// ConfigMap keeping the pod Pending with the kubelet's reason until it appears.
import assert from 'node:assert/strict';
import { listPodVolumes } from '../../extension/engine/docker/volumes';
import { reloadStack } from '../../extension/engine/runner';
import { loadStack } from '../../extension/engine/model/load-stack';
import {
  BUSYBOX,
  deploymentContainers,
  execIn,
  podDeployment,
  rewrite,
  runningContainer,
  sh,
} from '../support/pod-helpers';
import {
  docker,
  removeStack,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';

const SLEEP = '[sh, -c, "trap \'exit 0\' TERM; sleep 600 & wait"]';

describe('pod volumes (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-pvol');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
    assert.deepEqual(await listPodVolumes(docker, name), [], 'down leaves no pod volume');
  });

  it('shares one emptyDir between the containers and the init containers of a pod, on the pod network', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': podDeployment(
        'app',
        `volumes: [{name: shared, emptyDir: {}}]
initContainers:
  - name: seed
    image: ${BUSYBOX}
    command: [sh, -c, "echo first >> /work/order; ip -4 -o addr show eth0 | awk '{print $4}' > /work/init-ip"]
    volumeMounts: [{name: shared, mountPath: /work}]
  - name: second
    image: ${BUSYBOX}
    command: [sh, -c, "echo second >> /work/order"]
    volumeMounts: [{name: shared, mountPath: /work}]
containers:
  - name: writer
    image: ${BUSYBOX}
    command: [sh, -c, "echo app >> /data/order; echo hello > /data/from-writer; trap 'exit 0' TERM; sleep 600 & wait"]
    volumeMounts: [{name: shared, mountPath: /data}]
  - name: reader
    image: ${BUSYBOX}
    command: ${SLEEP}
    volumeMounts: [{name: shared, mountPath: /shared}]`,
      ),
    });
    run = await startStack(dir);
    const reader = await runningContainer(name, 'app', 'reader');
    await waitFor(
      'the writer to write',
      async () => (await execIn(reader, ['cat', '/shared/from-writer'])).out.trim() === 'hello',
    );
    assert.equal(
      await sh(reader, 'cat /shared/order'),
      'first\nsecond\napp',
      'init containers ran in order, before the app',
    );
    const podIp = await sh(reader, "ip -4 -o addr show eth0 | awk '{print $4}'");
    assert.equal(await sh(reader, 'cat /shared/init-ip'), podIp, 'the init container had the pod address');
    const inits = (await deploymentContainers(name, 'app')).filter(
      (c) => c.Labels['dev.flotilla.init-container'] !== undefined,
    );
    assert.deepEqual(
      inits.map((c) => [c.Labels['dev.flotilla.container'], c.State, c.Status.startsWith('Exited (0)')]).sort(),
      [
        ['second', 'exited', true],
        ['seed', 'exited', true],
      ],
    );
    const status = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]);
    assert.equal(status.reason, undefined, 'initialized: no Init: status');
    const vols = await listPodVolumes(docker, name);
    assert.equal(vols.length, 1);
    assert.equal(vols[0].labels['dev.flotilla.replica'], status.name);
    // Scaling to zero removes the replica and its emptyDir.
    run.ctl.scale('app', 0);
    await waitFor(
      'the pod volume to go with its replica',
      async () => (await listPodVolumes(docker, name)).length === 0,
    );
  });

  it('makes a memory emptyDir a tmpfs of sizeLimit that keeps its files across a container restart', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': podDeployment(
        'app',
        `volumes: [{name: cache, emptyDir: {medium: Memory, sizeLimit: 16Mi}}]
containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}
    volumeMounts: [{name: cache, mountPath: /cache}]`,
      ),
    });
    run = await startStack(dir);
    const first = await runningContainer(name, 'app', 'app');
    const mount = await sh(first, 'grep " /cache " /proc/mounts');
    assert.match(mount, /^\S+ \/cache tmpfs rw.*size=16384k/);
    await sh(first, 'echo kept > /cache/file');
    const replica = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]?.name);
    await run.ctl.killReplica(replica);
    await waitFor('the container to be restarted in place', async () => {
      const r = run!.ctl.status().deployments[0].replicas[0];
      return r?.name === replica && r.restarts >= 1 && r.state === 'Running';
    });
    const again = await runningContainer(name, 'app', 'app');
    assert.equal(again, first, 'restarted in place, same container');
    assert.equal(await sh(again, 'cat /cache/file'), 'kept', 'the sandbox held the tmpfs while the container was down');
  });

  it('mounts configMap and secret volumes with items, modes and optional; a changed value reaches the pod', async () => {
    const cm = (color: string, extra = '') => `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data:
  app.properties: "color=${color}"
  motd: "hello"${extra}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: "s3cret-value"}
`;
    const dep = podDeployment(
      'app',
      `volumes:
  - {name: cfg, configMap: {name: app-config, items: [{key: app.properties, path: conf/app.properties, mode: 0600}]}}
  - {name: all, configMap: {name: app-config, defaultMode: 0640}}
  - {name: sec, secret: {secretName: creds, defaultMode: 0400}}
  - {name: opt, configMap: {name: not-there, optional: true}}
containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}
    volumeMounts:
      - {name: cfg, mountPath: /etc/cfg}
      - {name: all, mountPath: /etc/all}
      - {name: all, mountPath: /etc/motd, subPath: motd}
      - {name: all, mountPath: /etc/pinned.properties, subPath: app.properties}
      - {name: sec, mountPath: /etc/sec}
      - {name: opt, mountPath: /etc/opt}`,
    );
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': dep, 'k8s/cm.yaml': cm('blue') });
    run = await startStack(dir);
    const events: string[] = [];
    run.ctl.on('event', (e) => events.push(`${e.reason}: ${e.message}`));
    const id = await runningContainer(name, 'app', 'app');
    assert.equal(await sh(id, 'cat /etc/cfg/conf/app.properties'), 'color=blue');
    assert.equal(await sh(id, 'ls /etc/cfg'), 'conf', 'items: only the listed key, at its path');
    assert.equal(await sh(id, 'stat -L -c %a /etc/cfg/conf/app.properties'), '600');
    assert.equal(await sh(id, 'stat -L -c %a /etc/all/motd'), '640');
    assert.equal(await sh(id, 'ls /etc/all'), 'app.properties\nmotd');
    assert.equal(await sh(id, 'cat /etc/sec/password'), 's3cret-value');
    assert.ok(
      !JSON.stringify(run.ctl.status()).includes('s3cret-value') && !events.some((e) => e.includes('s3cret-value')),
      'the value of a mounted Secret appears in no status or event',
    );
    assert.equal(await sh(id, 'stat -L -c %a /etc/sec/password'), '400');
    assert.equal(
      await sh(id, 'ls /etc/opt | wc -l'),
      '0',
      'an optional missing ConfigMap is an empty volume (..data only, as the kubelet writes it)',
    );
    assert.equal(await sh(id, 'cat /etc/motd'), 'hello', 'subPath mounts one file');
    const write = await execIn(id, ['sh', '-c', 'echo x > /etc/all/new']);
    assert.notEqual(write.code, 0, 'configMap volumes are read-only');
    assert.match(write.out, /Read-only file system/);

    // A changed value is written in place: same container, new content, as the kubelet's sync does.
    rewrite(dir, 'k8s/cm.yaml', cm('green'));
    await reloadStack(run.ctl);
    await waitFor(
      'the new value in the running pod',
      async () => (await execIn(id, ['cat', '/etc/all/app.properties'])).out === 'color=green',
    );
    assert.equal(await sh(id, 'cat /etc/cfg/conf/app.properties'), 'color=green');
    assert.equal(
      await sh(id, 'cat /etc/pinned.properties'),
      'color=blue',
      'a subPath mount keeps the value it started with',
    );
    assert.equal(await runningContainer(name, 'app', 'app'), id, 'no restart');

    // A key that appears cannot be added in place through the Engine API: the pod is replaced.
    const replica = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]?.name);
    rewrite(dir, 'k8s/cm.yaml', cm('green', '\n  added: "yes"'));
    await reloadStack(run.ctl);
    await waitFor('a new replica with the new key', async () => {
      const r = run!.ctl.status().deployments[0].replicas.find((x) => x.state === 'Running' && x.name !== replica);
      if (!r) return false;
      return (await execIn(await runningContainer(name, 'app', 'app'), ['cat', '/etc/all/added'])).out === 'yes';
    });
  });

  it('keeps a pod Pending with FailedMount while a ConfigMap it mounts is missing, and starts it once it exists', async () => {
    const dep = podDeployment(
      'app',
      `volumes: [{name: cfg, configMap: {name: late}}]
containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}
    volumeMounts: [{name: cfg, mountPath: /etc/late}]`,
    );
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': dep });
    const loaded = loadStack(dir);
    const warning = loaded.stack?.warnings.find((w) => /ConfigMap "late"/.test(w.message));
    assert.ok(warning, 'up warns at load');
    assert.equal(warning.line, dep.split('\n').findIndex((l) => l.includes('name: cfg')) + 1);
    run = await startStack(dir);
    const pending = await waitFor('a Pending reason', () => run!.ctl.status().pending[0]?.reason);
    assert.equal(pending, 'FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "late" not found');
    assert.deepEqual(await deploymentContainers(name, 'app'), [], 'nothing runs');
    rewrite(dir, 'k8s/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late}\ndata: {k: arrived}\n');
    await reloadStack(run.ctl);
    const id = await runningContainer(name, 'app', 'app');
    assert.equal(await sh(id, 'cat /etc/late/k'), 'arrived');
    await waitFor('no Pending reason', () => run!.ctl.status().pending.length === 0);
  });

  it('mounts subPath and subPathExpr inside a volume, and honours readOnly', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': podDeployment(
        'app',
        `volumes: [{name: logs, emptyDir: {}}]
containers:
  - name: app
    image: ${BUSYBOX}
    command: [sh, -c, "echo a > /var/log/app/a.log; echo mine > /per-pod/file; trap 'exit 0' TERM; sleep 600 & wait"]
    env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
    volumeMounts:
      - {name: logs, mountPath: /var/log/app, subPath: app}
      - {name: logs, mountPath: /per-pod, subPathExpr: "pods/$(POD_NAME)"}
  - name: shipper
    image: ${BUSYBOX}
    command: ${SLEEP}
    volumeMounts: [{name: logs, mountPath: /logs, readOnly: true}]`,
      ),
    });
    run = await startStack(dir);
    const shipper = await runningContainer(name, 'app', 'shipper');
    const replica = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]?.name);
    await waitFor(
      'the app to write',
      async () => (await execIn(shipper, ['cat', '/logs/app/a.log'])).out.trim() === 'a',
    );
    assert.equal(await sh(shipper, `cat /logs/pods/${replica}/file`), 'mine');
    const denied = await execIn(shipper, ['touch', '/logs/x']);
    assert.notEqual(denied.code, 0, 'a readOnly mount refuses writes');
    const app = await runningContainer(name, 'app', 'app');
    assert.equal(await sh(app, 'ls /var/log/app'), 'a.log', 'the container sees only its subPath');
  });

  it('writes downwardAPI and projected volumes: pod fields, resources, ConfigMap keys and a local token', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-config}\ndata: {mode: fast}\n',
      'k8s/app.yaml': podDeployment(
        'app',
        `volumes:
  - name: info
    downwardAPI:
      items:
        - {path: name, fieldRef: {fieldPath: metadata.name}}
        - {path: labels, fieldRef: {fieldPath: metadata.labels}}
        - {path: tier, fieldRef: {fieldPath: "metadata.labels['tier']"}}
        - {path: cpu_millis, resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}
  - name: bundle
    projected:
      sources:
        - configMap: {name: app-config, items: [{key: mode, path: config/mode}]}
        - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
        - serviceAccountToken: {path: token, expirationSeconds: 3600}
containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}
    resources: {limits: {cpu: 250m}}
    volumeMounts: [{name: info, mountPath: /etc/podinfo}, {name: bundle, mountPath: /var/run/bundle}]`,
        { labels: 'tier: web' },
      ),
    });
    run = await startStack(dir);
    const id = await runningContainer(name, 'app', 'app');
    const replica = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]?.name);
    assert.equal(await sh(id, 'cat /etc/podinfo/name'), replica);
    assert.equal(await sh(id, 'cat /etc/podinfo/labels'), 'app="app"\ntier="web"');
    assert.equal(await sh(id, 'cat /etc/podinfo/tier'), 'web');
    assert.equal(await sh(id, 'cat /etc/podinfo/cpu_millis'), '250');
    assert.equal(await sh(id, 'cat /var/run/bundle/config/mode'), 'fast');
    assert.equal(await sh(id, 'cat /var/run/bundle/ns'), 'default');
    const token = await sh(id, 'cat /var/run/bundle/token');
    assert.equal(Buffer.from(token.split('.')[2], 'base64url').toString(), 'local-not-a-real-token');
  });
});
