// examples/shop on a real 3-node swarm with a registry (lab.sh), driven through the `flotilla` CLI as a user
// would: deploy, spread, every Service name on its Service port from every node, a killed task healed, a
// rolling update after a code change that fails no new connection, a node's daemon stopped and its tasks
// rescheduled while the web URL answers again, then `down` leaving nothing on any node. The checks follow the
// example's manifests (read from a copy of examples/shop), so they keep up as the example grows.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StackStatus } from '../../extension/engine/api/protocol';
import { publishedPort } from '../../extension/engine/deploy/swarm/plan';
import { swarmNetworkName } from '../../extension/engine/deploy/swarm/names';
import { resolveTargetPort } from '../../extension/engine/controller/pod-network';
import { loadStackOrThrow } from '../../extension/engine/model/load-stack';
import type { DeploymentSpec, ServiceSpec, StackSpec } from '../../extension/engine/model/types';
import { ensureBusyboxImage } from '../support/base-images';
import { ensureNodeImage } from '../support/node-image';
import { docker as hostDocker } from '../support/stack-fixture';
import { labPossible, startLab, type Lab, type LabNode } from './lab';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The CLI without blocking the event loop (requests go on meanwhile). */
function flotillaAsync(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One GET on a fresh connection (no keep-alive): status code, or the error. */
function getOnce(url: string, timeoutMs = 5000): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ body, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ body: '', error: e.message }));
  });
}

describe('examples/shop on a 3-node Docker Swarm (lab)', function () {
  this.timeout(600_000);
  let lab: Lab;
  let dir: string;
  let stack: StackSpec;
  let checkImage: string;
  const target = () => ['--target', 'swarm', '--host', lab.manager.host, '--stack', dir];
  const status = (): StackStatus => {
    const r = flotilla(['status', ...target(), '--json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as StackStatus;
  };
  /** The NodePort/LoadBalancer Service the user opens, and the port every node publishes for it. */
  const webService = (): { svc: ServiceSpec; port: number } => {
    const svc = stack.services.find((s) => s.type !== 'ClusterIP');
    assert.ok(svc, 'the example has a NodePort or LoadBalancer Service');
    return { svc, port: publishedPort(stack.name, svc, svc.ports[0].port, svc.ports[0].nodePort) };
  };
  const backing = (svc: ServiceSpec): DeploymentSpec[] =>
    stack.deployments.filter((d) => Object.entries(svc.selector).every(([k, v]) => d.template.labels[k] === v));

  before(async function () {
    const why = labPossible();
    if (why) throw new Error(why);
    await ensureBusyboxImage(hostDocker);
    await ensureNodeImage(hostDocker);
    lab = await startLab();
    // The manager builds the stack's images, so it needs their base images, as a user's manager would.
    lab.loadImages(lab.manager, ['flotilla.local/node:20', 'flotilla.local/busybox:1']);
    // A small client image for checks from every node, through the lab's registry.
    checkImage = `${lab.registry}/flotilla-test/busybox:1`;
    const push = spawnSync(
      'sh',
      [
        '-c',
        `docker -H ${lab.manager.host} tag flotilla.local/busybox:1 ${checkImage} && docker -H ${lab.manager.host} push -q ${checkImage}`,
      ],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(push.status, 0, push.stderr);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-swarm-shop-'));
    fs.cpSync(path.join(ROOT, 'examples/shop'), dir, {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}.flotilla`),
    });
    stack = loadStackOrThrow(dir);
  });

  after(async () => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    await lab?.destroy();
  });

  it('deploys the example; replicas spread over the 3 nodes; each Deployment has its replicas', () => {
    const r = flotilla(['deploy', ...target(), '--registry', lab.registry]);
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, /deployed to the swarm/);
    const s = status();
    for (const d of stack.deployments) {
      const ds = s.deployments.find((x) => x.name === d.name);
      assert.ok(ds, `deployment ${d.name} in status`);
      const hpa = stack.hpas.find((h) => h.target.name === d.name);
      const want = Math.max(d.replicas ?? 1, hpa?.minReplicas ?? 0);
      assert.equal(ds.ready, want, `${d.name}: ${JSON.stringify(ds.replicas)}`);
      // A service's replicas go to different nodes while there are nodes enough.
      const nodes = new Set(ds.replicas.map((x) => x.node));
      assert.equal(nodes.size, Math.min(want, 3), `${d.name} replicas on ${[...nodes].join(', ')}`);
    }
    const all = new Set(s.deployments.flatMap((d) => d.replicas.map((x) => x.node)));
    assert.deepEqual([...all].sort(), ['n1', 'n2', 'n3']);
  });

  it("answers on every Service's name and Service port from every node", () => {
    const net = swarmNetworkName(stack.name);
    for (const svc of stack.services) {
      const d = backing(svc)[0];
      const probe = d?.template.containers[0].readinessProbe?.httpGet;
      const port = svc.ports[0];
      const pathPart =
        probe &&
        resolveTargetPort(probe.port, d.template.containers) ===
          resolveTargetPort(port.targetPort, d.template.containers)
          ? probe.path
          : '/';
      for (const node of lab.nodes) {
        const r = spawnSync(
          'docker',
          [
            '-H',
            node.host,
            'run',
            '--rm',
            '--network',
            net,
            checkImage,
            'sh',
            '-c',
            // A few tries: on a swarm a not-yet-Ready task is restarted by its healthcheck, and while a
            // Service has no Ready task its proxy refuses, as a cluster's Service with no endpoint does.
            `for i in 1 2 3 4 5 6; do timeout 15 wget -q -O - http://${svc.name}:${port.port}${pathPart} && exit 0; sleep 3; done; exit 1`,
          ],
          { encoding: 'utf8', timeout: 60_000 },
        );
        assert.equal(r.status, 0, `${svc.name}:${port.port} from ${node.name}: ${r.stderr}`);
      }
    }
  });

  it('heals a killed task', async () => {
    const d = stack.deployments.find((x) => backing(webService().svc).includes(x)) ?? stack.deployments[0];
    const before = status().deployments.find((x) => x.name === d.name);
    const victim = before?.replicas.find((x) => x.ready);
    assert.ok(victim);
    const node = lab.nodes.find((n) => n.name === victim.node);
    assert.ok(node);
    await node.docker.getContainer(victim.container).kill();
    await waitFor(
      `${d.name} healed after its task on ${node.name} was killed`,
      async () => {
        const now = status().deployments.find((x) => x.name === d.name);
        return now &&
          now.ready === before?.desired &&
          !now.replicas.some((x) => x.container === victim.container && x.ready)
          ? now
          : undefined;
      },
      60_000,
    );
  });

  it('rolls a code change out without failing a request on a connection opened after the update began', async () => {
    const { svc, port } = webService();
    const d = backing(svc)[0];
    const build = stack.builds.find((b) => b.image === d.template.containers[0].image);
    assert.ok(build, `${d.name} is built by the stack`);
    const url = `http://${lab.nodes[0].addr}:${port}/`;
    await waitFor('the web URL answers', async () => ((await getOnce(url)).status === 200 ? true : undefined), 60_000);
    // A code change: one more line in a source file of the build context.
    const file = fs.readdirSync(build.context).find((f) => f.endsWith('.js'));
    assert.ok(file);
    fs.appendFileSync(path.join(build.context, file), `\n// changed by the rolling update test ${Date.now()}\n`);

    let stop = false;
    const results: { status?: number; error?: string }[] = [];
    const load = (async () => {
      while (!stop) results.push(await getOnce(url));
    })();
    const r = await flotillaAsync(['deploy', ...target(), '--registry', lab.registry]);
    // Requests go on a little after convergence: the old task's last moments are part of the update.
    await new Promise((res) => setTimeout(res, 3000));
    stop = true;
    await load;
    assert.equal(r.code, 0, r.err + r.out);
    assert.match(r.out, new RegExp(`updated Deployment/${d.name}`));
    for (const other of stack.deployments.filter((x) => x !== d)) {
      assert.doesNotMatch(r.out, new RegExp(`updated Deployment/${other.name}\\b`));
    }
    const failed = results.filter((x) => x.status !== 200);
    assert.ok(results.length > 20, `only ${results.length} requests were sent`);
    assert.deepEqual(failed, [], `${failed.length} of ${results.length} requests failed`);
  });

  it("deploy --watch runs the autoscaler on the tasks' stats from every node and keeps the HPA minimum", async function () {
    const hpa = stack.hpas[0];
    if (!hpa) throw new Error('the example has an HorizontalPodAutoscaler');
    const p = spawn(process.execPath, [...CLI, 'deploy', ...target(), '--registry', lab.registry, '--watch'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise((r) => p.once('exit', r));
    try {
      // A measured metric (not "no metrics yet") for the HPA's target: the agents' samples reached the autoscaler.
      const line = await waitFor(
        'an HPA sync with measured usage',
        async () => out.split('\n').find((l) => new RegExp(`^hpa ${hpa.name}: \\w+ \\d+/\\d+`).test(l)),
        120_000,
      );
      const replicas = Number(/replicas (\d+)/.exec(line)?.[1]);
      assert.ok(replicas >= hpa.minReplicas, line);
    } finally {
      p.kill('SIGINT');
      await exited;
    }
    assert.match(out, /autoscaler stopped/);
  });

  it("reschedules a stopped node's tasks and the web URL answers again", async () => {
    const before = status();
    // A worker that runs tasks: stopping the manager's daemon would stop the control plane of a 1-manager swarm.
    const counts = (n: LabNode) =>
      before.deployments.flatMap((d) => d.replicas).filter((x) => x.node === n.name).length;
    const victim = lab.nodes.filter((n) => n !== lab.manager).sort((a, b) => counts(b) - counts(a))[0];
    assert.ok(counts(victim) > 0);
    await lab.stopDaemon(victim);
    const { port } = webService();
    const url = `http://${lab.manager.addr}:${port}/`;
    await waitFor(
      `tasks of ${victim.name} rescheduled`,
      async () => {
        const s = status();
        const ok = s.deployments.every(
          (d) => d.ready === d.desired && d.replicas.every((x) => x.node !== victim.name || !x.ready),
        );
        return ok ? s : undefined;
      },
      120_000,
    );
    await waitFor('the web URL answers', async () => ((await getOnce(url)).status === 200 ? true : undefined), 60_000);
  });

  it('down removes everything the stack created, from every node', async () => {
    const r = flotilla(['down', ...target()]);
    assert.equal(r.code, 0, r.err);
    const alive = lab.nodes.filter((n) => fs.existsSync(new URL(n.host).pathname));
    await waitFor(
      'nothing of the stack left on any node',
      async () => {
        for (const n of alive) {
          const containers = await n.docker.listContainers({
            all: true,
            filters: { label: [`dev.flotilla.stack=${stack.name}`] },
          });
          if (containers.length) return undefined;
          const nets = (await n.docker.listNetworks()).filter((x) => x.Name === swarmNetworkName(stack.name));
          if (nets.length) return undefined;
        }
        return true;
      },
      90_000,
    );
    const m = lab.manager.docker;
    assert.equal((await m.listServices({ filters: { label: [`dev.flotilla.stack=${stack.name}`] } })).length, 0);
    assert.equal((await m.listConfigs({ filters: { label: [`dev.flotilla.stack=${stack.name}`] } })).length, 0);
    assert.equal((await m.listSecrets({ filters: { label: [`dev.flotilla.stack=${stack.name}`] } })).length, 0);
    for (const n of (await m.listNodes()) as { Spec?: { Labels?: Record<string, string> } }[]) {
      assert.deepEqual(
        Object.keys(n.Spec?.Labels ?? {}).filter(
          (k) => k.startsWith('dev.flotilla') || stack.nodes.some((sn) => k in sn.labels),
        ),
        [],
      );
    }
  });
});
