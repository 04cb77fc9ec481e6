// Swarm benchmark, all in one run on the 3-node lab (test/swarm/lab.sh):
//   1. deploy until every Service answers: `flotilla deploy` vs `docker stack deploy` of an equivalent compose
//      file (dnsrr, same images by digest, same healthchecks) vs the floor (the same service specs Flotilla
//      makes, created straight through the Engine API, images already pushed);
//   2. heal a killed node: a worker's dockerd stopped → its tasks running elsewhere and the web URL answering;
//   3. a rolling update after a code change: requests on new connections during it, failed ones counted.
//
//   npx tsx bench/swarm-deploy.ts [--rounds 3] [--stack examples/shop]
//
// "Answers" for the shop: its NodePort Service's URL returns 200 from a page that reached the API behind it
// (any node's address for Flotilla, whose proxy runs on every node; for the compose file, which publishes in
// host mode from the web task, whichever node runs it). Images are built and pushed once before the rounds,
// so every contender starts with them in the registry. Times are wall-clock; the machine is shared: medians.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { swarmNodes } from '../extension/engine/deploy/swarm/apply';
import { connectManager } from '../extension/engine/deploy/swarm/deploy';
import { listServices } from '../extension/engine/deploy/swarm/engine-api';
import { planSwarm, publishedPort } from '../extension/engine/deploy/swarm/plan';
import type { DesiredService } from '../extension/engine/deploy/swarm/plan-types';
import { loadStackOrThrow } from '../extension/engine/model/load-stack';
import { startLab, type Lab } from '../test/swarm/lab';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const ROUNDS = Number(opt('rounds', '3'));
const SOURCE = path.resolve(opt('stack', 'examples/shop'));
const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sh(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

/** A command without blocking the event loop, so the request loop goes on while it runs. */
function shAsync(cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd}: ${err}`))));
  });
}

function getOnce(url: string, timeoutMs = 3000): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ body: '', error: e.message }));
  });
}

const answered = (r: { status?: number; body: string }) => r.status === 200 && !r.body.startsWith('api unavailable');

async function untilAnswers(urls: string[], timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    for (const u of urls) if (answered(await getOnce(u, 1000))) return;
    if (Date.now() > until) throw new Error(`no answer from ${urls.join(', ')}`);
    await sleep(50);
  }
}

async function untilNodesClean(lab: Lab, label: string): Promise<void> {
  for (const n of lab.nodes) {
    for (;;) {
      const left = await n.docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
      if (!left.length) break;
      await sleep(200);
    }
  }
}

/** The compose file `docker stack deploy` gets: the same workloads, images, env, health and update policy. */
function composeFile(services: DesiredService[], webPort: { target: number; published: number }, web: string): string {
  const out: Record<string, unknown> = {};
  for (const s of services.filter((x) => x.role === 'workload')) {
    const t = s.spec.TaskTemplate;
    if (!t || !('ContainerSpec' in t) || !t.ContainerSpec) continue;
    const c = t.ContainerSpec;
    const hc = c.HealthCheck;
    const secs = (ns?: number) => `${(ns ?? 0) / 1e9}s`;
    const svc: Record<string, unknown> = {
      image: c.Image,
      environment: c.Env,
      init: true,
      deploy: {
        replicas: s.spec.Mode?.Replicated?.Replicas ?? 1,
        endpoint_mode: 'dnsrr',
        update_config: {
          parallelism: s.spec.UpdateConfig?.Parallelism,
          order: s.spec.UpdateConfig?.Order,
          failure_action: 'rollback',
        },
        resources: {
          limits: {
            cpus: String((t.Resources?.Limits?.NanoCPUs ?? 0) / 1e9 || 1),
            memory: `${t.Resources?.Limits?.MemoryBytes ?? 256 * 1048576}b`,
          },
        },
      },
    };
    if (hc?.Test) {
      svc.healthcheck = {
        test: hc.Test,
        interval: secs(hc.Interval),
        timeout: secs(hc.Timeout),
        retries: hc.Retries,
        start_period: secs(hc.StartPeriod),
      };
    }
    if (s.object === web) svc.ports = [{ target: webPort.target, published: webPort.published, mode: 'host' }];
    out[s.object] = svc;
  }
  return stringify({ version: '3.8', services: out });
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) sh(`cd ${ROOT} && npm run -s build`);
  const lab = await startLab();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-swarm-bench-'));
  const results: Record<string, number[]> = {
    flotilla: [],
    stack: [],
    floor: [],
    nodeDown: [],
    webBack: [],
    rescheduled: [],
  };
  const updates: { failed: number; total: number; seconds: number; errors: string[] }[] = [];
  try {
    lab.loadImages(lab.manager, ['flotilla.local/node:20', 'flotilla.local/busybox:1']);
    fs.cpSync(SOURCE, dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.flotilla`) });
    const stack = loadStackOrThrow(dir);
    const H = lab.manager.host;
    const flotilla = (...a: string[]) => sh(`node ${CLI} ${a.join(' ')} --target swarm --host ${H} --stack ${dir}`);
    // Warm-up: build and push everything once; its time is the cold deploy.
    let t = Date.now();
    flotilla('deploy', '--registry', lab.registry);
    console.log(`cold deploy (builds on the manager, pushes): ${((Date.now() - t) / 1000).toFixed(1)} s`);
    const webSvc = stack.services.find((s) => s.type !== 'ClusterIP');
    if (!webSvc) throw new Error('the stack has no NodePort/LoadBalancer Service to measure');
    const nodePort = publishedPort(stack.name, webSvc, webSvc.ports[0].port, webSvc.ports[0].nodePort);
    const urls = lab.nodes.map((n) => `http://${n.addr}:${nodePort}/`);
    await untilAnswers(urls);
    // The images as pushed (read back from the services), for the compose file and the floor.
    const docker = await connectManager(H);
    const images: Record<string, string> = {};
    let proxyImage = '';
    for (const s of await listServices(docker, { label: [`dev.flotilla.stack=${stack.name}`] })) {
      const src = s.Spec?.Labels?.['dev.flotilla.source'] ?? '';
      const t = s.Spec?.TaskTemplate;
      const img = t && 'ContainerSpec' in t ? (t.ContainerSpec?.Image ?? '') : '';
      if (src.startsWith('Service/')) proxyImage = img;
      const d = stack.deployments.find((x) => `Deployment/${x.name}` === src);
      if (d) images[d.template.containers[0].image] = img;
    }
    const plan = planSwarm({ stack, images, proxyImage, nodes: await swarmNodes(docker) });
    flotilla('down');
    await untilNodesClean(lab, `dev.flotilla.stack=${stack.name}`);

    const webDeployment = stack.deployments.find((d) =>
      Object.entries(webSvc.selector).every(([k, v]) => d.template.labels[k] === v),
    );
    const webTarget = Number(webDeployment?.template.containers[0].ports[0]?.containerPort ?? 8080);
    const compose = path.join(dir, 'compose.yaml');
    fs.writeFileSync(
      compose,
      composeFile(plan.services, { target: webTarget, published: nodePort }, webDeployment?.name ?? 'web'),
    );

    for (let round = 1; round <= ROUNDS; round++) {
      // flotilla deploy (images built and pushed already: the build is found up to date)
      t = Date.now();
      flotilla('deploy', '--registry', lab.registry);
      await untilAnswers(urls);
      results.flotilla.push((Date.now() - t) / 1000);
      flotilla('down');
      await untilNodesClean(lab, `dev.flotilla.stack=${stack.name}`);

      // docker stack deploy of the equivalent compose file
      t = Date.now();
      sh(`docker -H ${H} stack deploy -c ${compose} bench${round} >/dev/null`);
      await untilAnswers(urls);
      results.stack.push((Date.now() - t) / 1000);
      sh(`docker -H ${H} stack rm bench${round} >/dev/null`);
      await untilNodesClean(lab, `com.docker.stack.namespace=bench${round}`);
      await waitNetworkGone(lab, `bench${round}_default`);

      // the floor: the same specs, straight through the API, in parallel
      t = Date.now();
      await docker.createNetwork({
        Name: plan.network,
        Driver: 'overlay',
        Attachable: true,
        Labels: { 'dev.flotilla.stack': stack.name },
      });
      await Promise.all(plan.services.map((s) => docker.createService(s.spec)));
      await untilAnswers(urls);
      results.floor.push((Date.now() - t) / 1000);
      flotilla('down');
      await untilNodesClean(lab, `dev.flotilla.stack=${stack.name}`);
      console.log(
        `round ${round}: flotilla ${results.flotilla.at(-1)?.toFixed(2)} s, docker stack ${results.stack.at(-1)?.toFixed(2)} s, floor ${results.floor.at(-1)?.toFixed(2)} s`,
      );
    }

    // Rolling updates and node failures on a deployed stack.
    flotilla('deploy', '--registry', lab.registry);
    await untilAnswers(urls);
    const build = stack.builds.find((b) => b.image === webDeployment?.template.containers[0].image);
    for (let round = 1; round <= ROUNDS && build; round++) {
      const file = fs.readdirSync(build.context).find((f) => f.endsWith('.js'));
      if (!file) break;
      // The URL the requests go to answers before the update starts (its node's proxy may still be starting).
      await untilAnswers([urls[0]]);
      fs.appendFileSync(path.join(build.context, file), `\n// bench change ${round} ${Date.now()}\n`);
      let stop = false;
      const outcomes: { at: number; ok: boolean; error?: string }[] = [];
      const started = Date.now();
      const load = (async () => {
        while (!stop) {
          const r = await getOnce(urls[0], 5000);
          outcomes.push({
            at: Date.now() - started,
            ok: r.status === 200,
            error: r.error ?? (r.status === 200 ? undefined : `HTTP ${r.status}`),
          });
        }
      })();
      await shAsync(`node ${CLI} deploy --registry ${lab.registry} --target swarm --host ${H} --stack ${dir}`);
      const seconds = (Date.now() - started) / 1000;
      await sleep(3000);
      stop = true;
      await load;
      const failed = outcomes.filter((o) => !o.ok);
      updates.push({
        failed: failed.length,
        total: outcomes.length,
        seconds,
        errors: failed.map((f) => `${f.error} at ${(f.at / 1000).toFixed(2)} s`),
      });
      console.log(
        `update ${round}: ${failed.length} failed of ${outcomes.length} new connections, deploy ${seconds.toFixed(1)} s ${failed.length ? JSON.stringify(updates.at(-1)?.errors) : ''}`,
      );
    }

    for (let round = 1; round <= ROUNDS; round++) {
      const s = JSON.parse(flotilla('status', '--json')) as {
        deployments: { name: string; replicas: { node: string }[] }[];
      };
      const webNode = s.deployments.find((d) => d.name === webDeployment?.name)?.replicas[0]?.node;
      const victim =
        lab.nodes.find((n) => n.name === webNode && n !== lab.manager) ??
        lab.nodes.find((n) => n !== lab.manager) ??
        lab.nodes[1];
      const t0 = Date.now();
      await lab.stopDaemon(victim);
      const nodeId = (await swarmNodes(docker)).find((n) => n.hostname === victim.name)?.id ?? '';
      let down = 0;
      let back = 0;
      let rescheduled = 0;
      while (!(down && back && rescheduled)) {
        const info = (await docker.getNode(nodeId).inspect()) as { Status?: { State?: string } };
        if (!down && info.Status?.State === 'down') down = Date.now() - t0;
        if (!back && answered(await getOnce(`http://${lab.manager.addr}:${nodePort}/`, 1000))) back = Date.now() - t0;
        if (!rescheduled) {
          const st = JSON.parse(flotilla('status', '--json')) as {
            deployments: { ready: number; desired: number; replicas: { node: string; ready: boolean }[] }[];
          };
          if (
            st.deployments.every(
              (d) => d.ready === d.desired && !d.replicas.some((r) => r.node === victim.name && r.ready),
            )
          ) {
            rescheduled = Date.now() - t0;
          }
        }
        if (Date.now() - t0 > 180_000) throw new Error('the node failure did not heal within 180 s');
        await sleep(100);
      }
      results.nodeDown.push(down / 1000);
      results.webBack.push(back / 1000);
      results.rescheduled.push(rescheduled / 1000);
      console.log(
        `node ${victim.name} stopped: Down after ${(down / 1000).toFixed(1)} s, web URL answering ${(back / 1000).toFixed(1)} s, every task running elsewhere ${(rescheduled / 1000).toFixed(1)} s`,
      );
      await lab.startDaemon(victim);
      for (;;) {
        if ((await swarmNodes(docker)).find((n) => n.hostname === victim.name)?.ready) break;
        await sleep(200);
      }
    }
    flotilla('down');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await lab.destroy();
  }
  const f = median(results.flotilla);
  const st = median(results.stack);
  console.log('\nmedians (s):');
  console.log(
    `  deploy until every Service answers: flotilla ${f.toFixed(2)}, docker stack deploy ${st.toFixed(2)}, floor ${median(results.floor).toFixed(2)}; flotilla/stack ${(f / st).toFixed(2)}×`,
  );
  console.log(
    `  node stopped → Down ${median(results.nodeDown).toFixed(1)}, web URL answering ${median(results.webBack).toFixed(1)}, all tasks rescheduled ${median(results.rescheduled).toFixed(1)}`,
  );
  console.log(
    `  rolling update: ${updates.map((u) => `${u.failed}/${u.total}`).join(', ')} failed/new connections; deploy ${median(updates.map((u) => u.seconds)).toFixed(1)} s`,
  );
  console.log(JSON.stringify({ results, updates }));
}

async function waitNetworkGone(lab: Lab, name: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const nets = await lab.manager.docker.listNetworks({ filters: { name: [name] } });
    if (!nets.some((n) => n.Name === name)) return;
    await sleep(200);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
