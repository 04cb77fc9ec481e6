// Safe defaults. The balancer listens on 127.0.0.1 unless the stack says
// otherwise; pod specs asking for host access (privileged, hostNetwork, hostPID,
// hostPath, added capabilities) are refused by `up` with file:line diagnostics and
// flagged by `flotilla lint` and the language server, unless the stack file allows
// each one; the control API wants its token; Secret values never show in the controller's output, its events or
// status (JSON and text), nor in lint output or reload errors.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerClient } from '../../extension/engine/api/client';
import { ControlServer } from '../../extension/engine/api/server';
import type { WatchMessage } from '../../extension/engine/api/protocol';
import { loadStack } from '../../extension/engine/model/load-stack';
import {
  docker,
  endProcess,
  httpDeployment,
  removeStack,
  type Running,
  stackContainers,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';
import { TestClient } from '../lsp/client';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];
function flotilla(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Inodes of the sockets a process holds open (from /proc/PID/fd links `socket:[INODE]`). */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // the descriptor closed between the listing and the read; it holds no listener of ours
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) out.add(m[1]);
  }
  return out;
}

/**
 * Local addresses (hex, as in /proc/net/tcp) listening on a TCP port in process `pid` (the tests run the
 * stack's controller in their own process): another program listening on the same port is not counted.
 */
function listeners(port: number, pid: number): string[] {
  const mine = socketInodes(pid);
  const out: string[] = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(f)) continue;
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !mine.has(cols[9])) continue; // LISTEN, held by pid
      const [addr, p] = cols[1].split(':');
      if (parseInt(p, 16) === port) out.push(addr);
    }
  }
  return out;
}

function connect(host: string, port: number): Promise<'open' | string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 3000 }, () => {
      s.destroy();
      resolve('open');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.on('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
  });
}

// Kept as text, not built: the test checks the file:line that up, lint and the language server give each key.
const HOST_ACCESS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: risky}
spec:
  replicas: 1
  selector: {matchLabels: {app: risky}}
  template:
    metadata: {labels: {app: risky}}
    spec:
      hostNetwork: true
      hostPID: true
      volumes:
        - name: root
          hostPath: {path: /}
      containers:
        - name: risky
          image: flotilla.local/busybox:1
          command: ["sleep", "600"]
          securityContext:
            privileged: true
            capabilities: {add: ["NET_ADMIN"]}
`;
const FEATURES = ['hostNetwork', 'hostPID', 'hostPath', 'privileged', 'capabilities'] as const;
const LSP_CODES: Record<(typeof FEATURES)[number], string> = {
  privileged: 'FP1001',
  hostNetwork: 'FP1002',
  hostPID: 'FP1003',
  hostPath: 'FP1004',
  capabilities: 'FP1005',
};
/** 1-based line of each feature's key in HOST_ACCESS. */
function lineOf(feature: string): number {
  const key = feature === 'capabilities' ? 'capabilities:' : `${feature}:`;
  return HOST_ACCESS.split('\n').findIndex((l) => l.includes(key)) + 1;
}

describe('safe defaults (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;
  let up: ChildProcess | undefined;

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-sec');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await endProcess(up);
    up = undefined;
    await removeStack(name);
  });

  describe('balancer bind address', () => {
    const saved = process.env.FLOTILLA_BIND_ADDRESS;
    before(() => {
      delete process.env.FLOTILLA_BIND_ADDRESS;
    });
    after(() => {
      if (saved !== undefined) process.env.FLOTILLA_BIND_ADDRESS = saved;
    });

    it("listens on 127.0.0.1 only by default: unreachable on the machine's other addresses", async () => {
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1}\n`,
        'k8s/app.yaml': httpDeployment('web', 1),
      });
      run = await startStack(dir);
      const url = new URL(await waitFor('a Service URL', () => run!.ctl.status().services[0]?.urls[0]));
      assert.equal(url.hostname, '127.0.0.1');
      const port = Number(url.port);
      assert.deepEqual(listeners(port, process.pid), ['0100007F'], 'one listener, on 127.0.0.1');
      assert.equal(await connect('127.0.0.1', port), 'open');
      const external = Object.values(os.networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal);
      if (external) {
        assert.equal(await connect(external.address, port), 'ECONNREFUSED', `not reachable on ${external.address}`);
      }
    });

    it('listens where the stack file says when it says so', async () => {
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1, bindAddress: 127.0.0.2}\n`,
        'k8s/app.yaml': httpDeployment('web', 1),
      });
      run = await startStack(dir);
      const url = new URL(await waitFor('a Service URL', () => run!.ctl.status().services[0]?.urls[0]));
      assert.equal(url.hostname, '127.0.0.2');
      const port = Number(url.port);
      // Another program on 127.0.0.1 with the same port is not the stack's listener.
      const other = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1')`]);
      try {
        await waitFor('the other program to listen', async () => (await connect('127.0.0.1', port)) === 'open');
        assert.deepEqual(listeners(port, process.pid), ['0200007F']);
      } finally {
        if (other.exitCode === null && other.signalCode === null) {
          const gone = new Promise((r) => other.once('exit', r));
          other.kill('SIGTERM');
          await gone;
        }
      }
    });
  });

  describe('control API', () => {
    it('answers only on 127.0.0.1 and only with the token from a 0600 handle file', async () => {
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1}\n`,
        'k8s/app.yaml': httpDeployment('web', 1),
      });
      run = await startStack(dir);
      const server = new ControlServer(run.ctl, { reload: async () => 'reloaded', shutdown: async () => undefined });
      const handle = await server.listen();
      try {
        const file = path.join(dir, '.flotilla/controller.json');
        assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'the handle file is readable by its owner only');
        assert.deepEqual(
          listeners(handle.port, process.pid),
          ['0100007F'],
          'the control port listens on 127.0.0.1 only',
        );
        const call = (method: string, route: string, headers: Record<string, string>, body?: string) =>
          new Promise<number>((resolve, reject) => {
            const req = http.request({ host: '127.0.0.1', port: handle.port, path: route, method, headers }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            req.end(body);
          });
        const scale = JSON.stringify({ deployment: 'web', replicas: 3 });
        assert.equal(await call('GET', '/v1/status', {}), 401);
        assert.equal(
          await call('GET', '/v1/status', { authorization: 'Bearer ' + '0'.repeat(handle.token.length) }),
          401,
        );
        assert.equal(
          await call('GET', '/v1/status', { authorization: handle.token }),
          401,
          'the bare token without Bearer',
        );
        assert.equal(await call('POST', '/v1/scale', { 'content-type': 'application/json' }, scale), 401);
        assert.equal(
          await call('POST', '/v1/shutdown', { origin: 'http://evil.example' }, '{"down":true}'),
          401,
          'a web page cannot stop the stack',
        );
        assert.equal(run.ctl.desiredReplicas(run.ctl.stack.deployments[0]), 1, 'the refused scale changed nothing');
        assert.equal(
          await call('GET', '/v1/status', { authorization: `Bearer ${handle.token}` }),
          200,
          'the right token works',
        );
      } finally {
        await server.close();
      }
    });
  });

  describe('host access in pod specs', () => {
    it('up refuses each feature with file:line, creates nothing; lint and the language server flag the same lines', async () => {
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\n`,
        'k8s/risky.yaml': HOST_ACCESS,
      });
      const r = flotilla(['up', '--stack', dir, '--no-watch']);
      assert.equal(r.code, 1, r.err);
      for (const f of FEATURES) {
        assert.match(
          r.err,
          new RegExp(`k8s/risky\\.yaml:${lineOf(f)}:\\d+ .*${f}.*security\\.allow\\.${f}: true`),
          `up names ${f} at line ${lineOf(f)}:\n${r.err}`,
        );
      }
      assert.equal((await stackContainers(name)).length, 0, 'nothing was started');
      assert.equal(
        (await docker.listNetworks({ filters: { label: [`dev.flotilla.stack=${name}`] } })).length,
        0,
        'no network was created',
      );

      const lint = flotilla(['lint', dir, '--format', 'json', '--no-docker']);
      assert.equal(lint.code, 1);
      const diags = JSON.parse(lint.out) as { file: string; line: number; code: string; severity: string }[];
      for (const f of FEATURES) {
        assert.ok(
          diags.some(
            (d) =>
              d.code === LSP_CODES[f] &&
              d.severity === 'error' &&
              d.line === lineOf(f) &&
              d.file.endsWith('risky.yaml'),
          ),
          `lint flags ${f} (${LSP_CODES[f]}) at line ${lineOf(f)}: ${lint.out}`,
        );
      }

      const client = await TestClient.start(dir);
      try {
        const file = path.join(dir, 'k8s/risky.yaml');
        const got = await client.open(file, HOST_ACCESS);
        const all = got.some((d) => d.code === 'FP1001')
          ? got
          : await client.waitFor(client.uri(file), (d) =>
              FEATURES.every((f) => d.some((x) => x.code === LSP_CODES[f])),
            );
        for (const f of FEATURES) {
          const d = all.find((x) => x.code === LSP_CODES[f]);
          assert.ok(d, `the language server flags ${f}`);
          assert.equal(d.range.start.line + 1, lineOf(f));
          assert.equal(d.severity, 1, 'as an error');
        }
      } finally {
        await client.stop();
      }
    });

    it('each feature is accepted only when the stack file allows that one', () => {
      for (const allowed of FEATURES) {
        const dir = writeStack({
          'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsecurity: {allow: {${allowed}: true}}\n`,
          'k8s/risky.yaml': HOST_ACCESS,
        });
        const { problems } = loadStack(dir);
        const refused = FEATURES.filter((f) => problems.some((p) => p.message.startsWith(`${f} gives`)));
        assert.deepEqual(
          refused,
          FEATURES.filter((f) => f !== allowed),
          `with ${allowed} allowed`,
        );
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsecurity: {allow: {${FEATURES.map((f) => `${f}: true`).join(', ')}}}\n`,
        'k8s/risky.yaml': HOST_ACCESS,
      });
      // Allowed, each is applied, except hostNetwork, which the local engine cannot run (replicas live on the stack network).
      assert.deepEqual(
        loadStack(dir).problems.map((p) => p.message),
        [
          'deployment risky: hostNetwork is not supported by the local engine: replicas must be on the stack network to be scheduled, probed and balanced; remove it',
        ],
        'all allowed: accepted but hostNetwork',
      );
    });
  });

  describe('secret values', () => {
    it("never appear in up's output, events, status (JSON and text), lint output or reload errors", async () => {
      const s1 = `pw-${Math.random().toString(36).slice(2)}-one`;
      const s2 = `tok-${Math.random().toString(36).slice(2)}-two`;
      const s3 = `bad-${Math.random().toString(36).slice(2)}-three`;
      const pin = String(10_000_000_000 + Math.floor(Math.random() * 1e9));
      const secret = (extra = '') => `apiVersion: v1
kind: Secret
metadata: {name: db}
type: Opaque
data: {password: ${Buffer.from(s1).toString('base64')}}
stringData: {token: ${s2}${extra}}
`;
      const app = httpDeployment('web', 1, {
        env: [
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
          { name: 'MISSING', valueFrom: { secretKeyRef: { name: 'db', key: 'nope', optional: true } } },
        ],
        envFrom: [{ secretRef: { name: 'db' } }],
      });
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1, backoffBaseSeconds: 0.2}\n`,
        'k8s/app.yaml': app,
        'k8s/secret.yaml': secret(),
      });
      let log = '';
      up = spawn(process.execPath, [...CLI, 'up', '--stack', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      up.stdout!.on('data', (c) => (log += c));
      up.stderr!.on('data', (c) => (log += c));
      const client = await waitFor(
        'the controller',
        async () => {
          if (up!.exitCode !== null) throw new Error(log);
          return ControllerClient.connect(dir);
        },
        60_000,
      );
      const events: WatchMessage[] = [];
      const ac = new AbortController();
      const watching = client.watch((m) => events.push(m), ac.signal);
      await waitFor('1 ready', async () => (await client.status()).deployments[0].ready === 1, 60_000);
      // The secret really reached the container (so the test would see a leak).
      const [c] = await stackContainers(name);
      const env = (await docker.getContainer(c.Id).inspect()).Config.Env;
      assert.ok(env.includes(`DB_PASSWORD=${s1}`) && env.includes(`token=${s2}`), 'the replica got the secret');

      // Events with the deployment in them: scale, restart, kill, and a reload that fails on the Secret manifest.
      await client.post('/v1/scale', { deployment: 'web', replicas: 2 });
      await waitFor('2 ready', async () => (await client.status()).deployments[0].ready === 2, 60_000);
      await client.post('/v1/restart', { deployment: 'web' });
      await waitFor('restart events', () =>
        events.some((m) => m.kind === 'event' && m.event.reason === 'RolloutRestart'),
      );
      // A save that breaks the Secret with a number where a string belongs (a PIN), then one with a YAML syntax error.
      fs.writeFileSync(path.join(dir, 'k8s/secret.yaml'), secret(`, pin: ${pin}`));
      await waitFor(
        'the reload error to be printed',
        () => /secret\.yaml:\d+:\d+ .*pin/.test(log) || undefined,
        30_000,
      );
      const lint = flotilla(['lint', dir, '--format', 'json', '--no-docker']);
      const lintText = flotilla(['lint', dir, '--no-docker']);
      assert.match(lintText.out, /stringData\.pin/, 'lint reports the PIN');
      fs.writeFileSync(
        path.join(dir, 'k8s/secret.yaml'),
        secret(`, list: [${s3}]\n  broken: [${s3}, {x: ${s3}}]\n  : ${s3}`),
      );
      await waitFor(
        'the second reload error to be printed',
        () => /secret\.yaml:\d+:\d+ FK1001 YAML/.test(log) || undefined,
        30_000,
      );
      const statusJson = flotilla(['status', '--stack', dir, '--json']);
      const statusText = flotilla(['status', '--stack', dir]);
      assert.equal(statusJson.code, 0, statusJson.err);
      ac.abort();
      await watching;

      const outputs: Record<string, string> = {
        'up output': log,
        'watch stream': JSON.stringify(events),
        'status --json': statusJson.out + statusJson.err,
        status: statusText.out + statusText.err,
        'lint --format json': lint.out + lint.err,
        lint: lintText.out + lintText.err,
      };
      assert.ok(
        events.some((m) => m.kind === 'event'),
        'events were seen',
      );
      for (const [where, text] of Object.entries(outputs)) {
        for (const v of [s1, s2, s3, pin, Buffer.from(s1).toString('base64')]) {
          assert.ok(!text.includes(v), `${where} shows a secret value (${v.slice(0, 4)}…)`);
        }
      }
    });
  });
});
