// Container features on the real engine: downward API env (fieldRef, resourceFieldRef, the
// pod's own address), init containers that fail (Init:Error, Init:CrashLoopBackOff, the pod
// blocked until one succeeds), postStart and preStop ordering (exec and httpGet), a failing
// postStart, hostPort on the bind address and its clash as a scheduling failure, the
// security context (users, groups, fsGroup on volumes, runAsNonRoot's refusal) and
// imagePullPolicy without a registry.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as http from 'node:http';
import { buildStatus } from '../../extension/engine/controller/status';
import { networkName } from '../../extension/engine/docker/labels';
import { observeStack } from '../../extension/engine/docker/observe';
import { removeClaimVolumes } from '../../extension/engine/docker/volumes';
import { StackError } from '../../extension/engine/model/problems';
import { prepareStack } from '../../extension/engine/runner';
import { BUSYBOX, deploymentContainers, execIn, podDeployment, runningContainer, sh } from '../support/pod-helpers';
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
import { startRegistry } from '../swarm/registry';

const SLEEP = '[sh, -c, "trap \'exit 0\' TERM; sleep 600 & wait"]';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('pod containers (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-pctr');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
    await removeClaimVolumes(docker, name);
  });

  it('resolves fieldRef and resourceFieldRef env as the kubelet does, the pod address included', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app, tier: web}, annotations: {owner: team-a}}
    spec:
      serviceAccountName: robot
      containers:
        - name: app
          image: ${BUSYBOX}
          command: ${SLEEP}
          resources: {requests: {cpu: 250m, memory: 32Mi}, limits: {memory: 64Mi}}
          env:
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
            - {name: POD_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
            - {name: TIER, valueFrom: {fieldRef: {fieldPath: "metadata.labels['tier']"}}}
            - {name: OWNER, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['owner']"}}}
            - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
            - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
            - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
            - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
            - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
            - {name: CPU_M, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
            - {name: CPU_CORES, valueFrom: {resourceFieldRef: {resource: requests.cpu}}}
            - {name: ADVERTISE, value: "$(POD_IP):8080"}
`,
    });
    run = await startStack(dir);
    const id = await runningContainer(name, 'app', 'app');
    const env = Object.fromEntries(
      (await sh(id, 'env')).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const r = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]);
    const ip = await sh(id, "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1");
    const net = await docker.getNetwork(networkName(name)).inspect();
    assert.equal(env.POD_NAME, r.name);
    assert.equal(env.POD_NAMESPACE, 'shop');
    assert.match(env.POD_UID, /^[0-9a-f-]{36}$/);
    assert.equal(env.TIER, 'web');
    assert.equal(env.OWNER, 'team-a');
    assert.equal(env.POD_IP, ip, "the pod's own address on the stack network");
    assert.equal(env.HOST_IP, net.IPAM?.Config?.[0]?.Gateway, 'the node as pods see it');
    assert.equal(env.NODE_NAME, r.node);
    assert.equal(env.SA, 'robot');
    assert.equal(env.MEM_MI, '64');
    assert.equal(env.CPU_M, '250');
    assert.equal(env.CPU_CORES, '1', 'rounded up');
    assert.equal(env.ADVERTISE, `${ip}:8080`);
  });

  it('blocks the pod while an init container fails: Init:Error, Init:CrashLoopBackOff, then runs once it succeeds (its app container declaring a port)', async () => {
    const dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 3, backoffMaxSeconds: 6, terminationGracePeriodSeconds: 1, resyncSeconds: 5}\n`,
      'k8s/app.yaml': podDeployment(
        'app',
        `volumes: [{name: state, emptyDir: {}}]
initContainers:
  - name: migrate
    image: ${BUSYBOX}
    command: [sh, -c, "echo try >> /state/tries; [ $(wc -l < /state/tries) -ge 3 ]"]
    volumeMounts: [{name: state, mountPath: /state}]
containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}
    ports: [{name: http, containerPort: 8080}]
    volumeMounts: [{name: state, mountPath: /state}]`,
      ),
    });
    run = await startStack(dir);
    await waitFor(
      'Init:CrashLoopBackOff',
      () => run!.ctl.status().deployments[0].replicas[0]?.reason === 'Init:CrashLoopBackOff',
    );
    assert.equal(
      (await deploymentContainers(name, 'app')).filter(
        (c) => c.Labels['dev.flotilla.init-container'] === undefined && c.Labels['dev.flotilla.role'] !== 'sandbox',
      ).length,
      0,
      'no app container while init fails',
    );
    // What Docker alone shows (flotilla status without a controller): the failed exit.
    const pods = await observeStack(docker, name);
    const seen = buildStatus(run.ctl.stack, pods, { now: Date.now(), desired: () => 1, pending: [] });
    assert.equal(seen.deployments[0].replicas[0].reason, 'Init:Error');
    const id = await runningContainer(name, 'app', 'app');
    assert.equal(await sh(id, 'wc -l < /state/tries'), '3', 'restarted in place until it succeeded');
    await waitFor('Running without an Init reason', () => {
      const rep = run!.ctl.status().deployments[0].replicas[0];
      return rep?.state === 'Running' && rep.reason === undefined;
    });
  });

  it('fails the pod when an init container fails under restartPolicy Never: a Job counts it against backoffLimit', async () => {
    const job = (init: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      volumes: [{name: work, emptyDir: {}}]
      initContainers:
        - {name: prep, image: ${BUSYBOX}, command: [sh, -c, "${init}"], volumeMounts: [{name: work, mountPath: /work}]}
      containers:
        - {name: main, image: ${BUSYBOX}, command: [sh, -c, "cat /work/ready"], volumeMounts: [{name: work, mountPath: /work}]}
`;
    const settled = async () =>
      waitFor('the Job to finish', () => {
        const j = run!.ctl.status().jobs?.[0];
        return j && (j.succeeded > 0 || j.failed > 1) ? j : undefined;
      });
    run = await startStack(
      writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/job.yaml': job('echo yes > /work/ready') }),
    );
    assert.equal((await settled()).succeeded, 1, 'the init container prepared what the main container read');
    await run.stop();
    await removeStack(name);
    const events: string[] = [];
    run = await startStack(writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/job.yaml': job('exit 3') }));
    run.ctl.on('event', (e) => events.push(`${e.reason}: ${e.message}`));
    const failed = await settled();
    assert.deepEqual([failed.succeeded, failed.failed], [0, 2]);
    assert.ok(
      events.some((e) => e.startsWith('Init:Error: init container prep exited with code 3')),
      events.join('\n'),
    );
  });

  it('runs postStart before the next container starts and preStop before SIGTERM (exec and httpGet)', async () => {
    const dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 0.2, resyncSeconds: 5}\n`,
      'k8s/pvc.yaml':
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: log}\nspec: {resources: {requests: {storage: 10Mi}}}\n',
      'k8s/app.yaml': podDeployment(
        'app',
        `terminationGracePeriodSeconds: 20
volumes: [{name: log, persistentVolumeClaim: {claimName: log}}]
containers:
  - name: first
    image: ${BUSYBOX}
    command: [sh, -c, "trap 'echo first-term >> /log/events; exit 0' TERM; sleep 600 & wait"]
    volumeMounts: [{name: log, mountPath: /log}]
    lifecycle:
      postStart: {exec: {command: [sh, -c, "sleep 1; echo first-poststart >> /log/events"]}}
      preStop: {exec: {command: [sh, -c, "echo first-prestop >> /log/events; sleep 1; echo first-prestop-done >> /log/events"]}}
  - name: second
    image: ${BUSYBOX}
    command: [sh, -c, "echo second-started >> /log/events; mkdir -p /www/cgi-bin; printf '#!/bin/sh\\\\necho second-prestop-http >> /log/events\\\\necho Content-Type: text/plain\\\\necho\\\\necho ok\\\\n' > /www/cgi-bin/hook; chmod +x /www/cgi-bin/hook; trap 'echo second-term >> /log/events; exit 0' TERM; httpd -f -p 8080 -h /www & wait"]
    volumeMounts: [{name: log, mountPath: /log}]
    lifecycle:
      preStop: {httpGet: {path: /cgi-bin/hook, port: 8080}}`,
      ),
    });
    run = await startStack(dir);
    const second = await runningContainer(name, 'app', 'second');
    assert.equal(
      await sh(second, 'cat /log/events'),
      'first-poststart\nsecond-started',
      'the next container waited for postStart',
    );
    run.ctl.scale('app', 0);
    await waitFor('the replica to be gone', () => run!.ctl.status().deployments[0].replicas.length === 0, 60_000);
    // Read the claim, which outlives the pod, from a helper container.
    const reader = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['cat', '/log/events'],
      Labels: { 'dev.flotilla.stack': name },
      HostConfig: { Binds: [`flotilla_${name}_log:/log:ro`] },
    });
    await reader.start();
    await reader.wait();
    const logs = (await reader.logs({ stdout: true, stderr: true })).toString('utf8').replace(/[^\x20-\x7e\n]/g, '');
    await reader.remove({ force: true });
    const events = logs
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const at = (e: string) => events.findIndex((x) => x.endsWith(e));
    for (const e of ['first-prestop', 'first-prestop-done', 'first-term', 'second-prestop-http', 'second-term']) {
      assert.ok(at(e) >= 0, `${e} in ${events.join(',')}`);
    }
    assert.ok(at('first-prestop-done') < at('first-term'), 'SIGTERM only after the exec preStop finished');
    assert.ok(at('second-prestop-http') < at('second-term'), 'SIGTERM only after the httpGet preStop answered');
  });

  it('stops a container whose postStart fails (FailedPostStartHook) and restarts it by the policy', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': podDeployment(
        'app',
        `containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}
    lifecycle: {postStart: {exec: {command: [sh, -c, "echo cannot start >&2; exit 7"]}}}`,
      ),
    });
    const events: string[] = [];
    run = await startStack(dir);
    run.ctl.on('event', (e) => events.push(`${e.reason}: ${e.message}`));
    await waitFor('a FailedPostStartHook event', () => events.find((e) => e.startsWith('FailedPostStartHook')));
    assert.match(events.find((e) => e.startsWith('FailedPostStartHook')) ?? '', /exited with 7: cannot start/);
    await waitFor(
      'the restart count to grow',
      () => (run!.ctl.status().deployments[0].replicas[0]?.restarts ?? 0) >= 1,
    );
  });

  it('publishes hostPort on the bind address; a second pod wanting it stays Pending as the scheduler says', async () => {
    const port = await freePort();
    const web = (n: string) =>
      podDeployment(
        n,
        `containers:
  - name: web
    image: ${BUSYBOX}
    command: [sh, -c, "mkdir -p /www && echo from-${n} > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{containerPort: 8080, hostPort: ${port}}]`,
      );
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/a.yaml': web('one') });
    run = await startStack(dir);
    await runningContainer(name, 'one', 'web');
    assert.equal(
      (await waitFor('an answer on the host port', () => get(`http://127.0.0.1:${port}/`))).trim(),
      'from-one',
    );
    run.ctl.scale('one', 2);
    const reason = await waitFor('a Pending reason', () => run!.ctl.status().pending[0]?.reason);
    assert.equal(reason, "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports.");
    assert.equal(run.ctl.status().deployments[0].replicas.filter((r) => r.state === 'Running').length, 1);
  });

  it('runs with runAsUser, runAsGroup, supplementalGroups and fsGroup on volumes; refuses a root image with runAsNonRoot', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml':
        podDeployment(
          'app',
          `securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000]}
volumes: [{name: data, emptyDir: {}}]
containers:
  - name: app
    image: ${BUSYBOX}
    command: [sh, -c, "touch /data/made-by-app; trap 'exit 0' TERM; sleep 600 & wait"]
    volumeMounts: [{name: data, mountPath: /data}]`,
        ) +
        '---\n' +
        podDeployment(
          'rooty',
          `securityContext: {runAsNonRoot: true}
containers:
  - name: app
    image: ${BUSYBOX}
    command: ${SLEEP}`,
        ),
    });
    run = await startStack(dir);
    const id = await runningContainer(name, 'app', 'app');
    assert.equal(await sh(id, 'id -u; id -g; id -G'), '1000\n3000\n3000 2000 4000');
    await waitFor('the app to write', async () => (await execIn(id, ['test', '-f', '/data/made-by-app'])).code === 0);
    assert.equal(await sh(id, 'stat -c "%g %a" /data'), '2000 2777', 'fsGroup owns the volume, setgid');
    assert.equal(await sh(id, 'stat -c "%u %g" /data/made-by-app'), '1000 2000', 'new files inherit the group');
    const reason = await waitFor(
      'the refusal',
      () => run!.ctl.status().pending.find((p) => p.replica.startsWith('rooty-'))?.reason,
    );
    assert.match(
      reason,
      /^CreateContainerConfigError: container has runAsNonRoot and image will run as root \(pod: "rooty-[^"]+", container: app\)$/,
    );
    assert.deepEqual(await deploymentContainers(name, 'rooty'), []);
  });

  it('honours imagePullPolicy without a registry: Never refuses a missing image, Always falls back to a local one', async () => {
    const never = podDeployment(
      'app',
      `containers:
  - name: app
    image: flotilla.local/not-built-${name}:1
    imagePullPolicy: Never`,
    );
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': never });
    const err = await prepareStack(docker, dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof StackError, String(err));
    assert.match(
      err.message,
      new RegExp(`Container image "flotilla.local/not-built-${name}:1" is not present with pull policy of Never`),
    );
    assert.ok(err.problems[0].file.endsWith('app.yaml'));
    assert.equal(
      err.problems[0].line,
      never.split('\n').findIndex((l) => l.includes('image: flotilla.local/not-built')) + 1,
    );
    const always = podDeployment(
      'app',
      `containers:
  - name: app
    image: ${BUSYBOX}
    imagePullPolicy: Always
    command: ${SLEEP}`,
    );
    const dir2 = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': always });
    const prepared = await prepareStack(docker, dir2);
    assert.match(
      prepared.stack.warnings.map((w) => w.message).join('\n'),
      new RegExp(
        `could not pull "${BUSYBOX}" \\(imagePullPolicy Always, deployment app, container app\\): .*; using the image present locally`,
      ),
    );
    run = await startStack(dir2);
    await runningContainer(name, 'app', 'app');
  });

  it('pulls on Always when a registry answers, and not on IfNotPresent when the image is present', async () => {
    const registry = await startRegistry();
    const ref = `${registry.address}/flotilla-test/${name}:1`;
    const made: string[] = [];
    try {
      // The registry gets a newer image under the tag than the one present locally.
      const box = docker.getImage(BUSYBOX);
      await box.tag({ repo: ref.slice(0, ref.lastIndexOf(':')), tag: '1' });
      made.push(ref);
      const c = await docker.createContainer({ Image: BUSYBOX, Cmd: ['true'], Labels: { 'dev.flotilla.stack': name } });
      const newer = await c.commit({ changes: 'LABEL flotilla.test=newer' });
      await c.remove();
      made.push(newer.Id);
      await docker.getImage(newer.Id).tag({ repo: ref.slice(0, ref.lastIndexOf(':')), tag: '1' });
      const pushing = await docker.getImage(ref).push({ tag: '1', authconfig: {} });
      await new Promise<void>((resolve, reject) =>
        docker.modem.followProgress(pushing, (e: Error | null, out: { error?: string }[]) => {
          const failed = out?.find((o) => o.error);
          if (e || failed) reject(e ?? new Error(failed?.error));
          else resolve();
        }),
      );
      await box.tag({ repo: ref.slice(0, ref.lastIndexOf(':')), tag: '1' }); // the older one, locally
      const local = (await docker.getImage(ref).inspect()).Id;
      const manifest = (policy: string) =>
        podDeployment(
          'app',
          `containers:\n  - name: app\n    image: ${ref}\n    imagePullPolicy: ${policy}\n    command: ${SLEEP}`,
        );
      await prepareStack(
        docker,
        writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': manifest('IfNotPresent') }),
      );
      assert.equal((await docker.getImage(ref).inspect()).Id, local, 'IfNotPresent keeps the local image');
      const prepared = await prepareStack(
        docker,
        writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': manifest('Always') }),
      );
      assert.equal((await docker.getImage(ref).inspect()).Id, newer.Id, 'Always pulled the registry’s image');
      assert.deepEqual(
        prepared.stack.warnings.filter((w) => /could not pull/.test(w.message)),
        [],
      );
    } finally {
      await registry.stop();
      for (const m of made.reverse()) {
        await docker
          .getImage(m)
          .remove({ force: true })
          .catch(() => undefined);
      }
    }
  });
});
