// The engine core against the real Docker engine: up, scale, exit → restart,
// controller restart → adoption without duplicates, Service names and service
// env vars, and down leaving everything it did not create alone.
import assert from 'node:assert/strict';
import { downStack } from '../../extension/engine/controller/controller';
import { networkName } from '../../extension/engine/docker/labels';
import {
  docker,
  httpDeployment,
  removeStack,
  stackContainers,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';

async function running(name: string, deployment: string): Promise<number> {
  const list = await stackContainers(name);
  return list.filter((c) => c.Labels['dev.flotilla.deployment'] === deployment && c.State === 'running').length;
}

describe('engine core (real Docker)', function () {
  this.timeout(120_000);
  let name: string;
  let run: Running | undefined;

  beforeEach(async () => {
    await ensureBusyboxImage(docker);
    name = uniqueName('t-engine');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
  });

  it('brings a stack up with labelled replicas on one network, reachable by Service name', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': httpDeployment('web', 2) + '---\n' + httpDeployment('api', 1),
    });
    run = await startStack(dir);
    await waitFor(
      '3 running replicas',
      async () => (await running(name, 'web')) === 2 && (await running(name, 'api')) === 1,
    );
    const list = await stackContainers(name);
    for (const c of list) {
      assert.equal(c.Labels['dev.flotilla.stack'], name);
      assert.ok(c.Labels['dev.flotilla.replica'].startsWith(c.Labels['dev.flotilla.deployment'] + '-'));
      assert.ok(c.Labels['dev.flotilla.pod-template-hash']);
      assert.ok(c.Labels['dev.flotilla.node']);
      assert.ok(c.NetworkSettings.Networks[networkName(name)], 'on the stack network');
    }
    // From a web replica, the api Service name resolves to its ClusterIP and answers on the Service port.
    const web = list.find((c) => c.Labels['dev.flotilla.deployment'] === 'web')!;
    const apiIP = run.ctl.status().services.find((s) => s.name === 'api')?.clusterIP;
    const out = await waitFor('api through its Service name', async () => {
      const o = await exec(web.Id, [
        'sh',
        '-c',
        'wget -q -O- http://api/index.html && echo "$API_SERVICE_HOST:$API_SERVICE_PORT"',
      ]);
      return /ok/.test(o) ? o : undefined;
    });
    assert.ok(apiIP);
    assert.ok(out.includes(`${apiIP}:80`), out);
    const status = run.ctl.status();
    assert.deepEqual(
      status.deployments.map((d) => [d.name, d.desired]),
      [
        ['web', 2],
        ['api', 1],
      ],
    );
  });

  it('scales up and down, and keeps the scale across a controller restart', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    run = await startStack(dir);
    await waitFor('1 replica', async () => (await running(name, 'web')) === 1);
    run.ctl.scale('web', 4);
    await waitFor('4 replicas', async () => (await running(name, 'web')) === 4);
    run.ctl.scale('web', 2);
    await waitFor('2 replicas', async () => (await stackContainers(name)).length === 2);
    await run.stop();
    run = await startStack(dir);
    await run.ctl.idle();
    await waitFor(
      'still 2 replicas after restart',
      async () => (await running(name, 'web')) === 2 && (await stackContainers(name)).length === 2,
    );
    assert.equal(run.ctl.status().deployments[0].desired, 2);
  });

  it('restarts a replica whose container exits, counting the restart', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    run = await startStack(dir);
    await waitFor('1 replica', async () => (await running(name, 'web')) === 1);
    const [victim] = await stackContainers(name);
    await docker.getContainer(victim.Id).kill();
    await waitFor('the replica running again', async () => {
      const [c] = await stackContainers(name);
      return c && c.State === 'running' && run!.ctl.status().deployments[0].replicas[0].restarts >= 1;
    });
    assert.equal((await stackContainers(name)).length, 1, 'no duplicate replica');
  });

  it('adopts running replicas after a controller restart without creating duplicates', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 3) });
    run = await startStack(dir);
    await waitFor('3 replicas', async () => (await running(name, 'web')) === 3);
    const before = (await stackContainers(name)).map((c) => c.Id).sort();
    await run.stop();
    run = await startStack(dir);
    await run.ctl.idle();
    await waitFor('status shows 3 ready', () => run!.ctl.status().deployments[0].ready === 3);
    const after = (await stackContainers(name)).map((c) => c.Id).sort();
    assert.deepEqual(after, before, 'the same containers, none added or replaced');
  });

  it('down removes only what the stack labelled', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    run = await startStack(dir);
    await waitFor('1 replica', async () => (await running(name, 'web')) === 1);
    // Decoys: an unlabelled container, and one labelled for another stack with a look-alike name.
    const plain = await docker.createContainer({
      Image: 'flotilla.local/busybox:1',
      Cmd: ['sleep', '60'],
      name: `${name}_web-decoy`,
    });
    const other = await docker.createContainer({
      Image: 'flotilla.local/busybox:1',
      Cmd: ['sleep', '60'],
      Labels: { 'dev.flotilla.stack': `${name}-other`, 'dev.flotilla.deployment': 'web' },
    });
    try {
      await run.stop();
      run = undefined;
      await downStack(docker, name, () => 1);
      assert.equal((await stackContainers(name)).length, 0);
      await docker.getContainer(plain.id).inspect();
      await docker.getContainer(other.id).inspect();
      const nets = await docker.listNetworks({ filters: { name: [networkName(name)] } });
      assert.equal(nets.filter((n) => n.Name === networkName(name)).length, 0, 'network removed');
    } finally {
      await plain.remove({ force: true });
      await other.remove({ force: true });
    }
  });

  it("reports each replica's CPU and memory once a view asks for them", async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 2) });
    run = await startStack(dir);
    const ctl = run.ctl;
    const names = await waitFor('2 replicas', () => {
      const r = ctl.status().deployments[0].replicas.filter((x) => x.state === 'Running');
      return r.length === 2 ? r.map((x) => x.name) : undefined;
    });
    assert.ok(
      ctl.status().deployments[0].replicas.every((x) => x.cpuPercent === undefined),
      'nothing read unasked',
    );
    ctl.requestUsage(names);
    const replicas = await waitFor('cpu and memory on both replicas', () => {
      const r = run!.ctl.status().deployments[0].replicas;
      return r.length === 2 && r.every((x) => x.cpuPercent !== undefined && (x.memoryBytes ?? 0) > 0) ? r : undefined;
    });
    for (const r of replicas) assert.ok(r.cpuPercent! >= 0 && r.cpuPercent! < 200, `cpu ${r.cpuPercent}`);
  });

  it('applies what the stack allows: a hostPath bind, an emptyDir volume, added capabilities', async () => {
    const hostDir = writeStack({ 'shared.txt': 'from-the-host\n' });
    const app = httpDeployment('web', 1)
      .replace(
        '    spec:\n      containers',
        `    spec:\n      volumes: [{name: host, hostPath: {path: ${hostDir}}}, {name: scratch, emptyDir: {}}]\n      containers`,
      )
      .replace(
        '          ports:',
        '          volumeMounts: [{name: host, mountPath: /host, readOnly: true}, {name: scratch, mountPath: /scratch}]\n          securityContext: {capabilities: {add: [NET_ADMIN]}}\n          ports:',
      );
    const dir = writeStack({
      'flotilla.yaml': stackFile(name, 'security: {allow: {hostPath: true, capabilities: true}}\n'),
      'k8s/app.yaml': app,
    });
    run = await startStack(dir);
    await waitFor('1 replica', async () => (await running(name, 'web')) === 1);
    const [c] = await stackContainers(name);
    const info = await docker.getContainer(c.Id).inspect();
    assert.deepEqual(info.HostConfig.CapAdd, ['NET_ADMIN']);
    assert.match(await exec(c.Id, ['cat', '/host/shared.txt']), /from-the-host/);
    assert.match(
      await exec(c.Id, [
        'sh',
        '-c',
        'echo hi > /scratch/x && cat /scratch/x && (echo no > /host/y 2>&1 || echo read-only)',
      ]),
      /hi[\s\S]*read-only/,
    );
  });

  it('keeps a replica Pending with the scheduler reason when nothing fits', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name, 'nodes:\n  - {name: small, cpu: "1", memory: 1Gi}\n'),
      'k8s/app.yaml': httpDeployment('web', 3, { requests: { cpu: '400m' } }),
    });
    run = await startStack(dir);
    await waitFor(
      '2 replicas and one pending',
      async () => (await running(name, 'web')) === 2 && run!.ctl.status().pending.length === 1,
    );
    assert.equal(run.ctl.status().pending[0].reason, '0/1 nodes are available: 1 Insufficient cpu.');
  });
});

async function exec(id: string, cmd: string[]): Promise<string> {
  const e = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
  });
  return Buffer.concat(chunks).toString('utf8');
}
