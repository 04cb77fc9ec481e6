// The workload kinds beyond Deployment on a real 3-node swarm (lab.sh): a StatefulSet (one service per ordinal,
// pinned, with its claim volume and pod DNS names under a headless Service), a Job (completions; it reads an
// ordinal by its pod name and a ConfigMap mounted as a Swarm config), a DaemonSet (one task per node); data
// kept across a killed task; a second deploy changes nothing; down keeps the claim volumes on their nodes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { StackStatus } from '../../extension/engine/api/protocol';
import { ensureBusyboxImage } from '../support/base-images';
import { ensureNodeImage } from '../support/node-image';
import { docker as hostDocker, uniqueName, writeStack } from '../support/stack-fixture';
import { labPossible, startLab, type Lab } from './lab';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const MANIFESTS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: flotilla.local/busybox:1
          command: [sh, -c, "echo started >> /data/log; mkdir -p /www; cp /data/log /www/index.html; exec httpd -f -p 8080 -h /www"]
          ports: [{containerPort: 8080}]
          volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Mi}}}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {mode: fast}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  completions: 2
  parallelism: 2
  backoffLimit: 3
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: flotilla.local/busybox:1
          command: [sh, -c, "wget -q -O - http://db-0.db:8080/ | grep started && grep fast /etc/cfg/mode"]
          volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
      volumes: [{name: cfg, configMap: {name: cfg}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
        - {name: agent, image: flotilla.local/busybox:1, command: [sleep, "3600"]}
`;

describe('StatefulSet, Job and DaemonSet on a 3-node Docker Swarm (lab)', function () {
  this.timeout(300_000);
  let lab: Lab;
  let dir: string;
  let name: string;
  const target = () => ['--target', 'swarm', '--host', lab.manager.host, '--stack', dir];
  const status = (): StackStatus => {
    const r = flotilla(['status', ...target(), '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as StackStatus;
  };

  before(async () => {
    const why = labPossible();
    if (why) throw new Error(why);
    await ensureBusyboxImage(hostDocker);
    await ensureNodeImage(hostDocker);
    lab = await startLab();
    // The Service proxy's image is built on the manager from the Node base, as a user's manager would have it.
    lab.loadImages(lab.manager, ['flotilla.local/busybox:1', 'flotilla.local/node:20']);
    name = uniqueName('t-kinds');
    dir = writeStack({ 'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\n`, 'k8s/all.yaml': MANIFESTS });
  });
  after(async () => {
    await lab?.destroy();
  });

  it('runs every kind; the Job completes against an ordinal by its pod name and a mounted config', () => {
    const r = flotilla(['deploy', ...target(), '--registry', lab.registry, '--timeout', '180']);
    assert.equal(r.code, 0, r.err + r.out);
    const s = status();
    const db = s.deployments.find((d) => d.name === 'db');
    assert.equal(db?.kind, 'StatefulSet');
    assert.deepEqual(
      db?.replicas.map((x) => x.name),
      ['db-0', 'db-1'],
    );
    assert.equal(db?.ready, 2);
    assert.notEqual(db?.replicas[0].node, db?.replicas[1].node, 'ordinals go round the nodes');
    const agent = s.deployments.find((d) => d.name === 'agent');
    assert.equal(agent?.kind, 'DaemonSet');
    assert.deepEqual(agent?.replicas.map((x) => x.node).sort(), ['n1', 'n2', 'n3']);
    const job = s.jobs?.find((j) => j.name === 'migrate');
    assert.equal(job?.condition, 'Complete');
    assert.equal(job?.succeeded, 2);
  });

  it("keeps an ordinal's data and node across a killed task; a second deploy changes nothing", async () => {
    const before = status()
      .deployments.find((d) => d.name === 'db')
      ?.replicas.find((x) => x.name === 'db-0');
    assert.ok(before);
    const node = lab.nodes.find((n) => n.name === before.node);
    assert.ok(node);
    await node.docker.getContainer(before.container).kill();
    const until = Date.now() + 90_000;
    let after = before;
    while (Date.now() < until) {
      const now = status()
        .deployments.find((d) => d.name === 'db')
        ?.replicas.find((x) => x.name === 'db-0');
      if (now && now.ready && now.container !== before.container) {
        after = now;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.notEqual(after.container, before.container, 'db-0 was not replaced');
    assert.equal(after.node, before.node, 'db-0 stays on its node');
    const log = spawnSync('docker', ['-H', node.host, 'exec', after.container, 'cat', '/data/log'], {
      encoding: 'utf8',
    });
    assert.equal(log.stdout.trim().split('\n').length, 2, `the volume kept the first run's line: ${log.stdout}`);
    const again = flotilla(['deploy', ...target(), '--registry', lab.registry]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /0 created, 0 updated, 4 unchanged, 0 removed/);
  });

  it('down removes the services and config and keeps each claim volume on its node', async () => {
    const placed = status().deployments.find((d) => d.name === 'db')?.replicas ?? [];
    const r = flotilla(['down', ...target()]);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      (await lab.manager.docker.listServices({ filters: { label: [`dev.flotilla.stack=${name}`] } })).length,
      0,
    );
    assert.equal(
      (await lab.manager.docker.listConfigs({ filters: { label: [`dev.flotilla.stack=${name}`] } })).length,
      0,
    );
    for (const p of placed) {
      const node = lab.nodes.find((n) => n.name === p.node);
      const volumes = (await node?.docker.listVolumes())?.Volumes?.map((v) => v.Name) ?? [];
      assert.ok(volumes.includes(`${name}_data-${p.name}`), `${p.name}'s volume on ${p.node}: ${volumes.join(', ')}`);
    }
  });
});
