// The control API a running controller serves to the CLI and the extension: token
// required, status and intents, and a watch stream whose snapshots carry live
// endpoint counters after traffic goes through a Service's load balancer.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ControllerClient } from '../../extension/engine/api/client';
import type { StackStatus, WatchMessage } from '../../extension/engine/api/protocol';
import { ControlServer } from '../../extension/engine/api/server';
import {
  httpDeployment,
  removeStack,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('control API (real Docker)', function () {
  this.timeout(120_000);
  let name: string;
  let run: Running | undefined;
  let server: ControlServer | undefined;
  const abort = new AbortController();

  afterEach(async () => {
    abort.abort();
    await server?.close();
    await run?.stop();
    await removeStack(name);
  });

  it('refuses requests without the token, serves status, intents and a live watch stream', async () => {
    name = uniqueName('t-api');
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 2) });
    run = await startStack(dir);
    server = new ControlServer(run.ctl, { reload: async () => 'reloaded', shutdown: async () => undefined });
    const handle = await server.listen();
    const mode = fs.statSync(path.join(dir, '.flotilla/controller.json')).mode & 0o777;
    assert.equal(mode, 0o600, 'the handle with the token is readable by its owner only');

    const anonymous = await get(`http://127.0.0.1:${handle.port}/v1/status`);
    assert.equal(anonymous.status, 401);
    const wrong = await get(`http://127.0.0.1:${handle.port}/v1/status`, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);

    const client = await ControllerClient.connect(dir);
    assert.ok(client, 'the client finds the controller from the stack folder');
    let latest: StackStatus | undefined;
    const events: string[] = [];
    void client.watch((m: WatchMessage) => {
      if (m.kind === 'status') latest = m.status;
      else if (m.kind === 'event') events.push(m.event.reason);
    }, abort.signal);

    const url = await waitFor('2 ready endpoints and a URL', () => {
      const s = latest?.services[0];
      return s && s.endpoints.filter((e) => e.ready).length === 2 && s.urls[0];
    });
    for (let i = 0; i < 6; i++) assert.equal((await get(`${url}/index.html`)).body.trim(), 'ok');
    await waitFor('connection counters in a pushed snapshot', () => {
      const eps = latest?.services[0].endpoints ?? [];
      return eps.reduce((n, e) => n + (e.totalConnections ?? 0), 0) >= 6;
    });

    const res = await client.post('/v1/scale', { deployment: 'web', replicas: 3 });
    assert.equal(res.ok, true);
    await waitFor('3 ready replicas in the stream', () => latest?.deployments[0].ready === 3);
    assert.ok(events.includes('ScalingReplicaSet'), events.join());
    await assert.rejects(client.post('/v1/scale', { deployment: 'nope', replicas: 1 }), /no deployment "nope"/);
  });
});
