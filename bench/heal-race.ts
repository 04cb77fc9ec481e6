// Reproduces a restart-accounting race seen in the healing benchmark: a
// reconcile that runs while the controller's in-place restart of a crashed
// replica is still in flight sees the container still `exited` and handles the
// same crash a second time (restart count +2, a BackOff event, a second start
// call); the backoff deadline it arms is left behind, and the replica's next
// crash is then restarted without being counted.
//
//   npx tsx bench/heal-race.ts [--kills 5]
//
// One replica of the tiny node server (flotilla.local/node:20). Each kill is a
// first crash (the replica ran ≥ 11 s; backoffMaxSeconds 4 → reset after 8 s).
// Right after the `die` event the script sends no-op scale intents (same replica
// count) for 1.5 s: each only enqueues a reconcile, as any probe result or
// Docker event would. Expected per kill: restarts +1 and no BackOff event.
// Removes everything it created.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { ControllerClient } from '../extension/engine/api/client';
import { LABELS } from '../extension/engine/docker/labels';
import { cliBundle, run, stopUp } from './support/cli';

const args = process.argv.slice(2);
const KILLS = Number(args[args.indexOf('--kills') + 1] ?? 5) || 5;
const IMAGE = 'flotilla.local/node:20';
const SERVER = `require('http').createServer((q,r)=>r.end('ok')).listen(8080);process.on('SIGTERM',()=>process.exit(0))`;
const name = `flotillarace${randomBytes(3).toString('hex')}`;
const docker = new Dockerode();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.mkdirSync(path.join(dir, 'k8s'));
  fs.writeFileSync(
    path.join(dir, 'flotilla.yaml'),
    `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 1, backoffMaxSeconds: 4, terminationGracePeriodSeconds: 2}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'k8s', 'echo.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: echo}',
      'spec:',
      '  replicas: 1',
      '  selector: {matchLabels: {app: echo}}',
      '  template:',
      '    metadata: {labels: {app: echo}}',
      '    spec:',
      '      containers:',
      '        - name: echo',
      `          image: ${IMAGE}`,
      `          command: ${JSON.stringify(['node', '-e', SERVER])}`,
      '          ports: [{containerPort: 8080}]',
      '          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {cpu: "1", memory: 128Mi}}',
      '',
    ].join('\n'),
  );
  const cli = await cliBundle();
  const up = spawn('node', [cli, 'up', '--no-watch', '--stack', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  up.stdout.on('data', (c) => (log += c));
  up.stderr.on('data', (c) => (log += c));
  let bad = 0;
  try {
    let client: ControllerClient | undefined;
    const replica = async () => (await client!.status()).deployments[0].replicas[0];
    for (let i = 0; i < 600 && !(client && (await replica())?.ready); i++) {
      client ??= await ControllerClient.connect(dir);
      await sleep(100);
    }
    if (!client) throw new Error(`flotilla up did not start:\n${log}`);
    for (let k = 1; k <= KILLS; k++) {
      await sleep(11_000); // a first crash each time
      const before = await replica();
      const info = await docker.getContainer(before.container).inspect();
      const logFrom = log.length;
      const events = (await docker.getEvents({
        filters: { type: ['container'], event: ['die'], label: [`${LABELS.stack}=${name}`] },
      })) as NodeJS.ReadableStream & { destroy(): void };
      const died = new Promise((res) => events.once('data', res));
      process.kill(info.State.Pid, 'SIGKILL');
      await died;
      events.destroy();
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        await client.post('/v1/scale', { deployment: 'echo', replicas: 1 }).catch(() => undefined);
        await sleep(20);
      }
      await sleep(3000);
      const after = await replica();
      const lines = log.slice(logFrom).split('\n');
      const backoffs = lines.filter((l) => /BackOff/.test(l));
      const starts = lines.filter((l) => /Started/.test(l));
      const ok = after.restarts === before.restarts + 1 && backoffs.length === 0 && starts.length === 1;
      if (!ok) bad++;
      console.log(
        `kill ${k}: restarts ${before.restarts} → ${after.restarts}, ${starts.length} Started, ${backoffs.length} BackOff${ok ? '' : '   <-- unexpected'}`,
      );
      for (const l of [...backoffs, ...starts]) console.log(`    ${l}`);
    }
    console.log(`\n${bad} of ${KILLS} first crashes were handled more than once or not counted`);
  } finally {
    if ((await stopUp(up)) === 'killed') console.log('flotilla up did not exit within 15 s of SIGINT; killed it');
    await run('node', [cli, 'down', '--stack', dir]).catch((e: Error) =>
      console.error(`flotilla down failed: ${e.message}`),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
