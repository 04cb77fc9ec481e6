// A StatefulSet's claims on the real engine: each volumeClaimTemplates entry is
// one named Docker volume per ordinal (flotilla_<stack>_<claim>-<set>-<ordinal>,
// as Kubernetes names the PVCs). Each pod finds its own data again after its
// container is killed or deleted, after the controller is killed, and after
// `down` then `up`; `flotilla down` keeps the volumes and only
// `flotilla down --volumes` removes them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { claimVolumeName, listClaimVolumes, removeClaimVolumes } from '../../extension/engine/docker/volumes';
import { dockerExec } from '../../extension/engine/health/checks';
import { ensureBusyboxImage } from '../support/base-images';
import { workload } from '../support/manifests';
import {
  docker,
  removeStack,
  stackContainers,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

/** Each pod writes a token into its claim once; later starts keep what is there. */
const DB = workload('db', {
  kind: 'StatefulSet',
  replicas: 2,
  shell: '[ -f /data/token ] || cat /proc/sys/kernel/random/uuid > /data/token; exec sleep 3600',
  extra: { volumeMounts: [{ name: 'data', mountPath: '/data' }] },
  spec: {
    serviceName: 'db',
    podManagementPolicy: 'Parallel',
    volumeClaimTemplates: [
      {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
      },
    ],
  },
});

describe('StatefulSet claims (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let dir: string;
  let run: Running | undefined;

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-claims');
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/db.yaml': DB });
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
    await removeClaimVolumes(docker, name);
  });

  async function pod(replica: string) {
    return (await stackContainers(name)).find(
      (c) => c.Labels['dev.flotilla.replica'] === replica && !c.Labels['dev.flotilla.role'] && c.State === 'running',
    );
  }

  async function token(replica: string): Promise<string> {
    return waitFor(`${replica}'s token`, async () => {
      const c = await pod(replica);
      if (!c) return undefined;
      const r = await dockerExec(docker, c.Id, ['cat', '/data/token'], 10_000);
      return r.exitCode === 0 && r.output.trim() ? r.output.trim() : undefined;
    });
  }

  it('one volume per ordinal, each pod keeping its own data across a kill, a deletion, a controller kill and down/up', async () => {
    run = await startStack(dir);
    const t0 = await token('db-0');
    const t1 = await token('db-1');
    assert.notEqual(t0, t1, 'each ordinal has its own claim');
    assert.deepEqual((await listClaimVolumes(docker, name)).map((v) => v.name).sort(), [
      claimVolumeName(name, 'data-db-0'),
      claimVolumeName(name, 'data-db-1'),
    ]);

    // A killed container is restarted in place; a deleted one is made again with the same claim.
    await run.ctl.killReplica('db-0');
    assert.equal(await token('db-0'), t0);
    const db1 = (await pod('db-1'))!;
    await docker.getContainer(db1.Id).remove({ force: true });
    await waitFor('db-1 made again', async () => (await pod('db-1'))?.Id !== db1.Id && !!(await pod('db-1')));
    assert.equal(await token('db-1'), t1);

    // The controller killed: a new one adopts the pods, and one replaced meanwhile finds its data.
    await run.stop();
    run = undefined;
    const again = (await pod('db-0'))!;
    await docker.getContainer(again.Id).remove({ force: true });
    run = await startStack(dir);
    assert.equal(await token('db-0'), t0);

    // down keeps the claims; the next up finds them.
    await run.stop();
    run = undefined;
    await removeStack(name);
    assert.equal((await stackContainers(name)).length, 0);
    assert.equal((await listClaimVolumes(docker, name)).length, 2, 'down keeps the claims');
    run = await startStack(dir);
    assert.equal(await token('db-0'), t0);
    assert.equal(await token('db-1'), t1);
  });

  it("a scale-down keeps the surplus ordinal's claim, and a scale-up back finds its data", async () => {
    run = await startStack(dir);
    const t1 = await token('db-1');
    run.ctl.scale('db', 1);
    await waitFor(
      'db-1 gone',
      async () => !(await stackContainers(name)).some((c) => c.Labels['dev.flotilla.replica'] === 'db-1'),
    );
    assert.equal((await listClaimVolumes(docker, name)).length, 2);
    run.ctl.scale('db', 2);
    assert.equal(await token('db-1'), t1);
  });

  it('flotilla down keeps the claim volumes; flotilla down --volumes removes them', async () => {
    run = await startStack(dir);
    await token('db-1');
    await run.stop();
    run = undefined;
    const flotilla = (args: string[]) =>
      spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const down = flotilla(['down', '--stack', dir]);
    assert.equal(down.status, 0, down.stderr);
    assert.match(down.stdout, /kept 2 claim volume\(s\) with their data .*flotilla down --volumes removes them/);
    assert.equal((await listClaimVolumes(docker, name)).length, 2);
    const wipe = flotilla(['down', '--stack', dir, '--volumes']);
    assert.equal(wipe.status, 0, wipe.stderr);
    assert.match(wipe.stdout, /removed 2 claim volume\(s\)/);
    assert.equal((await listClaimVolumes(docker, name)).length, 0);
  });
});
