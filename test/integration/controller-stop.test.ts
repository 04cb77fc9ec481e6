// Stopping `flotilla up` under load, many times: each round starts the real CLI on the
// same stack (adopting the replicas the previous one left), drives it with saves that
// reload the stack, scale requests and Service traffic, then sends SIGINT at a random
// moment. The process must end on its own with code 0, and leave no handle open that
// would have kept it alive (a file watch re-opened by a late reload, a timer, a socket).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ControllerClient } from '../../extension/engine/api/client';
import { ensureBusyboxImage } from '../support/base-images';
import { deployment, httpdShell, manifests, service } from '../support/manifests';
import { docker, removeStack, stackFile, uniqueName, waitFor, writeStack } from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];
const ROUNDS = 6;

interface Up {
  proc: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<number | null>;
}

function startUp(dir: string): Up {
  const proc = spawn(process.execPath, [...CLI, 'up', '--stack', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLOTILLA_DEBUG_HANDLES: '1' },
  });
  const out: string[] = [];
  const err: string[] = [];
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => out.push(...c.split('\n')));
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => err.push(...c.split('\n')));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, out, err, exited };
}

function get(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.on('timeout', () => req.destroy());
  });
}

describe('stopping a controller under load (real Docker)', function () {
  this.timeout(600_000);
  let name = '';
  let up: Up | undefined;

  before(() => ensureBusyboxImage(docker));
  afterEach(async () => {
    if (up && up.proc.exitCode === null && up.proc.signalCode === null) {
      up.proc.kill('SIGKILL');
      await up.exited;
    }
    await removeStack(name);
  });

  it(`exits on SIGINT with nothing left open, ${ROUNDS} times in a row`, async () => {
    name = uniqueName('t-stop');
    const web = manifests(
      deployment('web', {
        replicas: 3,
        port: 8080,
        shell: httpdShell(8080),
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      }),
      service('web'),
    );
    const config = (n: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata: {round: "${n}"}\n`;
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/web.yaml': web, 'k8s/notes.yaml': config(0) });
    let saves = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      up = startUp(dir);
      const current = up;
      const url = await waitFor(
        `round ${round}: controller running`,
        () => current.out.map((l) => /service web port 80: (http:\S+)/.exec(l)?.[1]).find(Boolean),
        120_000,
      );
      const client = await ControllerClient.connect(dir);
      assert.ok(client, 'the controller answers');

      // Load until the process has exited: saves that reload, scale requests, traffic.
      let stop = false;
      const load = [
        (async () => {
          while (!stop) {
            // The ConfigMap is used by nobody: each save reloads the stack and rolls nothing.
            fs.writeFileSync(path.join(dir, 'k8s/notes.yaml'), config(++saves));
            await new Promise((r) => setTimeout(r, 40 + Math.random() * 120));
          }
        })(),
        (async () => {
          let delta = 1;
          while (!stop) {
            await client.post('/v1/scale', { deployment: 'web', delta }).catch(() => undefined); // it may be stopping
            delta = -delta;
            await new Promise((r) => setTimeout(r, 150));
          }
        })(),
        ...[1, 2, 3].map(async () => {
          while (!stop) await get(url);
        }),
      ];
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1500));
      current.proc.kill('SIGINT');
      const deadline = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000).unref());
      const code = await Promise.race([current.exited, deadline]);
      stop = true;
      await Promise.all(load);
      const report = current.err.find((l) => l.startsWith('open handles after stop:')) ?? '';
      const context = `round ${round}\nstdout:\n${current.out.slice(-15).join('\n')}\nstderr:\n${current.err.join('\n')}`;
      assert.notEqual(code, 'hung', `flotilla up did not exit after SIGINT; ${context}`);
      assert.equal(code, 0, context);
      assert.ok(
        current.out.some((l) => /controller stopped/.test(l)),
        context,
      );
      // Piped stdout and stderr show as two PipeWrap handles; anything else was left open.
      const left = report.replace('open handles after stop:', '').trim();
      const handles = left === 'none' ? [] : left.split(', ');
      const others = handles.filter((h) => h !== 'PipeWrap');
      const pipes = handles.length - others.length;
      assert.ok(others.length === 0 && pipes <= 2, `handles left open: ${left}; ${context}`);
    }
  });
});
