// `flotilla up --dry-run` through the real CLI: the plan (replicas per node,
// volumes, ports, images, what is ignored and why) for a stack of every kind,
// nothing created on the engine, exit 0 even when an image is missing (and it
// says which), and the same file:line refusal as `up` for a broken manifest.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { listClaimVolumes } from '../../extension/engine/docker/volumes';
import { ensureBusyboxImage } from '../support/base-images';
import { manifests, service, workload } from '../support/manifests';
import { docker, stackContainers, stackFile, uniqueName, writeStack } from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const NODES = `nodes:
  - {name: node-a, cpu: "1", memory: 1Gi, labels: {disk: ssd}}
  - {name: node-b, cpu: "1", memory: 1Gi}
`;

describe('flotilla up --dry-run (real Docker)', function () {
  this.timeout(120_000);
  before(() => ensureBusyboxImage(docker));

  it('prints what up would run, per kind and node, and creates nothing', async () => {
    const name = uniqueName('t-dry');
    const dir = writeStack({
      'flotilla.yaml': stackFile(name, NODES),
      'k8s/app.yaml': manifests(
        workload('web', { replicas: 2, shell: 'sleep 1', port: 8080 }),
        service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http' }] }),
        workload('db', {
          kind: 'StatefulSet',
          replicas: 2,
          shell: 'sleep 1',
          extra: { volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          spec: {
            serviceName: 'db',
            volumeClaimTemplates: [
              { metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } },
            ],
          },
        }),
        workload('agent', { kind: 'DaemonSet', shell: 'sleep 1', pod: { nodeSelector: { disk: 'ssd' } } }),
        workload('migrate', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' }, spec: { backoffLimit: 2 } }),
        'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: front}\nspec: {}\n',
      ),
    });
    const r = flotilla(['up', '--dry-run', '--stack', dir]);
    assert.equal(r.code, 0, r.err);
    const out = r.out;
    assert.match(out, /nothing was created/);
    assert.match(out, /nodes: node-a \(1000m cpu, 1024 MiB\), node-b/);
    assert.match(out, /Deployment web: 2 replica\(s\)\n {4}web-\w+-\w+ → node-[ab]\n {4}web-\w+-\w+ → node-[ab]/);
    assert.match(
      out,
      /StatefulSet db: 2 replica\(s\) \(OrderedReady, DNS <pod>\.db, RollingUpdate\)\n {4}db-0 → node-\w\n {4}db-1 → node-\w/,
    );
    assert.match(out, /DaemonSet agent: 1 replica\(s\).*\n {4}agent-\w+-\w+ → node-a\n/);
    assert.match(out, /Job migrate: 1 completion\(s\), 1 at a time, backoffLimit 2/);
    assert.match(out, new RegExp(`db-1: data → claim data-db-1, flotilla_${name}_data-db-1 \\(created at up\\)`));
    assert.match(out, /service web port 80 → target http \(8080\); on this machine 127\.0\.0\.1:/);
    assert.match(out, /images:\n {2}flotilla\.local\/busybox:1: present/);
    assert.match(out, /ignored or not honoured[\s\S]*Ingress is not run by Flotilla \(there is no ingress controller/);
    assert.match(out, /up would proceed\.\n$/);
    assert.equal((await stackContainers(name)).length, 0, 'no container');
    const nets = await docker.listNetworks({ filters: { label: [`dev.flotilla.stack=${name}`] } });
    assert.equal(nets.length, 0, 'no network');
    assert.equal((await listClaimVolumes(docker, name)).length, 0, 'no volume');
  });

  it('exits 0 when an image is missing, and says which', () => {
    const name = uniqueName('t-dry');
    const image = `flotilla.local/absent-${name}:1`;
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': workload('web', { replicas: 1, image, shell: 'sleep 1' }),
    });
    const r = flotilla(['up', '--dry-run', '--stack', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`${image.replace(/[./]/g, '\\$&')}: missing: up would pull it`));
    assert.match(r.out, new RegExp(`up would proceed: it would first pull ${image.replace(/[./]/g, '\\$&')}`));
  });

  it('refuses a broken stack at its line, as up does', () => {
    const name = uniqueName('t-dry');
    const yaml = workload('bad', {
      kind: 'Job',
      shell: 'true',
      pod: { restartPolicy: 'Never' },
      spec: { backoffLimit: -3 },
    });
    const line = yaml.split('\n').findIndex((l) => l.includes('backoffLimit')) + 1;
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': yaml });
    const r = flotilla(['up', '--dry-run', '--stack', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`k8s/app\\.yaml:${line}:\\d+ .*spec\\.backoffLimit: must be at least 0`));
  });
});
