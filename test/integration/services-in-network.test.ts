// Services inside the stack network, as kube-proxy and cluster DNS make them, against
// the real engine: a client pod reaches Services on their `port` by every name form,
// traffic goes only to Ready endpoints, a Service without one refuses, headless
// Services resolve to pods, the env vars are a cluster's, other names still resolve,
// the proxy outlives a controller restart and is made again when removed, and down
// takes it away.
import assert from 'node:assert/strict';
import * as dns from 'node:dns';
import { readStatus } from '../../extension/engine/api/read-status';
import { downStack } from '../../extension/engine/controller/controller';
import { networkName } from '../../extension/engine/docker/labels';
import { proxyContainerName } from '../../extension/engine/proxy/proxy-container';
import { stackProxyImage } from '../../extension/engine/proxy/proxy-image';
import { docker, startStack, uniqueName, waitFor, writeStack, type Running } from '../support/stack-fixture';
import { ensureNodeImage } from '../support/node-image';
import { httpFrom, lookupFrom, proxyContainers, replicasOf, run } from './proxy-support';

const httpd = (port: number, ready = false) =>
  `["sh", "-c", "${ready ? 'mkdir -p /tmp && touch /tmp/ready; ' : ''}mkdir -p /www && hostname > /www/index.html && exec httpd -f -p ${port} -h /www"]`;

function deployment(name: string, replicas: number, body: string, ns?: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}${ns ? `, namespace: ${ns}` : ''}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${body}
---
`;
}

const MANIFESTS = [
  // port 80 → numeric targetPort 8080
  deployment(
    'web',
    2,
    `      containers:
        - {name: web, image: flotilla.local/busybox:1, command: ${httpd(8080)}, ports: [{containerPort: 8080}]}`,
  ),
  `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web-alt}
spec:
  selector: {app: web}
  ports: [{name: http-alt, port: 8081, targetPort: 8080}, {name: admin, port: 9000, targetPort: 8080}]
---
`,
  // Another namespace, port 80 → named targetPort (9090)
  deployment(
    'api',
    1,
    `      containers:
        - {name: api, image: flotilla.local/busybox:1, command: ${httpd(9090)}, ports: [{name: web-port, containerPort: 9090}]}`,
    'shop',
  ),
  `apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: web-port}]
---
`,
  // Readiness from a file the test removes and restores.
  deployment(
    'flaky',
    2,
    `      containers:
        - name: flaky
          image: flotilla.local/busybox:1
          command: ${httpd(8080, true)}
          ports: [{containerPort: 8080}]
          readinessProbe: {exec: {command: [test, -f, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}`,
  ),
  `apiVersion: v1
kind: Service
metadata: {name: flaky}
spec:
  selector: {app: flaky}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: flaky-hl}
spec:
  clusterIP: None
  selector: {app: flaky}
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: flaky-all}
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: flaky}
  ports: [{port: 8080}]
---
`,
  // A pod named under a headless Service (what a StatefulSet's pods get).
  deployment(
    'member',
    1,
    `      hostname: m0
      subdomain: members
      initContainers:
        - {name: init, image: flotilla.local/busybox:1, command: ["true"]}
      containers:
        - {name: member, image: flotilla.local/busybox:1, command: ${httpd(8080)}}`,
  ),
  `apiVersion: v1
kind: Service
metadata: {name: members}
spec:
  clusterIP: None
  selector: {app: member}
  ports: [{port: 8080}]
---
`,
  // A StatefulSet's pods are named under its governing headless Service.
  `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - {name: db, image: flotilla.local/busybox:1, command: ${httpd(8080)}}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 8080}]}
---
`,
  deployment(
    'client',
    1,
    `      containers:
        - {name: client, image: flotilla.local/node:20, command: [sleep, "3600"]}`,
  ),
].join('');

describe('Services inside the stack network (real engine)', function () {
  this.timeout(180_000);
  const name = uniqueName('t-svcnet');
  let dir: string;
  let stack: Running | undefined;
  let client: string;
  const events: string[] = [];

  const clusterIP = (svc: string): string => {
    const ip = stack?.ctl.status().services.find((s) => s.name === svc)?.clusterIP;
    assert.ok(ip, `a ClusterIP for ${svc}`);
    return ip;
  };
  const ready = (dep: string) =>
    stack?.ctl
      .status()
      .deployments.find((d) => d.name === dep)
      ?.replicas.filter((r) => r.ready)
      .map((r) => r.name)
      .sort() ?? [];

  before(async () => {
    await ensureNodeImage(docker);
    dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1, resyncSeconds: 5}\n`,
      'k8s/app.yaml': MANIFESTS,
    });
    stack = await startStack(dir);
    stack.ctl.on('event', (e) => e.type === 'Warning' && events.push(`${e.reason} ${e.object}: ${e.message}`));
    await waitFor(
      'every deployment Ready',
      () => stack?.ctl.status().deployments.every((d) => d.desired > 0 && d.ready === d.desired),
      90_000,
    ).catch((e: Error) => {
      const st = stack?.ctl.status().deployments.map((d) => `${d.name} ${d.ready}/${d.desired}`);
      throw new Error(`${e.message}: ${st?.join(', ')}; ${events.slice(-5).join('; ')}`);
    });
    client = (await replicasOf(name, 'client'))[0].id;
    await waitFor(
      'the proxy to serve web',
      async () => (await httpFrom(client, 'http://web/')).startsWith('200 '),
      60_000,
    );
  });

  after(async () => {
    await stack?.stop();
    await downStack(docker, name, () => 0);
  });

  it('reaches a Service on its port (not the target port) by NAME, NAME.NS, NAME.NS.svc and the FQDN', async () => {
    const web = (await replicasOf(name, 'web')).map((r) => r.replica);
    for (const host of ['web', 'web.default', 'web.default.svc', 'web.default.svc.cluster.local']) {
      const got = await httpFrom(client, `http://${host}/`);
      assert.match(got, /^200 web-/, host);
      assert.ok(web.includes(got.slice(4)), `${host} answered by a web replica: ${got}`);
      assert.deepEqual(await lookupFrom(client, host), [clusterIP('web')], `${host} resolves to the ClusterIP`);
    }
    assert.match(await httpFrom(client, `http://${clusterIP('web')}:80/`), /^200 web-/);
    // The Service's port is where it listens; the target port is not proxied.
    assert.equal(await httpFrom(client, 'http://web:8080/'), 'ECONNREFUSED');
  });

  it('balances over the replicas, one Service per ClusterIP even when they share port 80', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) seen.add(await httpFrom(client, 'http://web/'));
    assert.deepEqual([...seen].sort(), (await replicasOf(name, 'web')).map((r) => `200 ${r.replica}`).sort());
    assert.match(await httpFrom(client, 'http://flaky/'), /^200 flaky-/);
    assert.notEqual(clusterIP('web'), clusterIP('flaky'));
  });

  it('resolves a Service of another namespace by NAME.NS forms, on a named targetPort, but not by its bare name', async () => {
    for (const host of ['api.shop', 'api.shop.svc', 'api.shop.svc.cluster.local']) {
      assert.match(await httpFrom(client, `http://${host}/`), /^200 api-/, host);
    }
    assert.equal(await lookupFrom(client, 'api'), 'ENOTFOUND');
    assert.equal(await lookupFrom(client, 'nope.default.svc.cluster.local'), 'ENOTFOUND');
  });

  it("sets the env vars a cluster sets: the ClusterIP and the Service's port, for the pod's namespace", async () => {
    const env = Object.fromEntries(
      (await run(client, ['env'])).split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const ip = clusterIP('web');
    assert.equal(env.WEB_SERVICE_HOST, ip);
    assert.equal(env.WEB_SERVICE_PORT, '80');
    assert.equal(env.WEB_SERVICE_PORT_HTTP, '80');
    assert.equal(env.WEB_PORT, `tcp://${ip}:80`);
    assert.equal(env.WEB_PORT_80_TCP, `tcp://${ip}:80`);
    assert.equal(env.WEB_PORT_80_TCP_ADDR, ip);
    assert.equal(env.WEB_PORT_80_TCP_PORT, '80');
    assert.equal(env.WEB_PORT_80_TCP_PROTO, 'tcp');
    // A dashed name and port names in upper case with underscores; _SERVICE_PORT is the first port.
    assert.equal(env.WEB_ALT_SERVICE_HOST, clusterIP('web-alt'));
    assert.equal(env.WEB_ALT_SERVICE_PORT, '8081');
    assert.equal(env.WEB_ALT_SERVICE_PORT_HTTP_ALT, '8081');
    assert.equal(env.WEB_ALT_SERVICE_PORT_ADMIN, '9000');
    assert.match(
      await httpFrom(client, `http://${env.WEB_ALT_SERVICE_HOST}:${env.WEB_ALT_SERVICE_PORT_ADMIN}/`),
      /^200 web-/,
    );
    assert.equal(env.FLAKY_SERVICE_HOST, clusterIP('flaky'));
    assert.equal(env.API_SERVICE_HOST, undefined, 'another namespace');
    assert.equal(env.FLAKY_HL_SERVICE_HOST, undefined, 'headless');
  });

  it('gives a pod with a sandbox (init containers) the same DNS, and its hostname under its subdomain', async () => {
    const [m] = await replicasOf(name, 'member');
    assert.match(await run(m.id, ['wget', '-q', '-O-', 'http://web/']), /^web-/);
    assert.match(await run(m.id, ['cat', '/etc/hosts']), /m0\.members\.default\.svc\.cluster\.local/);
  });

  it('resolves a pod named by hostname and subdomain under its headless Service', async () => {
    const [m] = await replicasOf(name, 'member');
    for (const host of ['m0.members', 'm0.members.default.svc.cluster.local']) {
      assert.deepEqual(await lookupFrom(client, host), [m.ip], host);
    }
    assert.deepEqual(await lookupFrom(client, 'members'), [m.ip]);
    assert.equal(await lookupFrom(client, 'm1.members'), 'ENOTFOUND');
  });

  it("resolves a StatefulSet's pods as POD.SERVICE (and its longer forms) and the Service to all of them", async () => {
    const pods = await replicasOf(name, 'db');
    assert.deepEqual(
      pods.map((p) => p.replica),
      ['db-0', 'db-1'],
    );
    for (const pod of pods) {
      for (const svc of ['db', 'db.default', 'db.default.svc', 'db.default.svc.cluster.local']) {
        assert.deepEqual(await lookupFrom(client, `${pod.replica}.${svc}`), [pod.ip], `${pod.replica}.${svc}`);
      }
    }
    assert.deepEqual(await lookupFrom(client, 'db'), pods.map((p) => p.ip).sort());
    assert.match(await httpFrom(client, 'http://db-1.db:8080/'), /^200 db-1$/);
  });

  it('sends traffic only to Ready endpoints; headless DNS follows readiness unless publishNotReadyAddresses', async () => {
    const [a, b] = await replicasOf(name, 'flaky');
    assert.deepEqual(await lookupFrom(client, 'flaky-hl'), [a.ip, b.ip].sort());
    await run(a.id, ['rm', '/tmp/ready']);
    try {
      await waitFor(
        'one flaky replica not Ready',
        () => ready('flaky').length === 1 && ready('flaky')[0] === b.replica,
      );
      await waitFor('headless DNS without it', async () => {
        const got = await lookupFrom(client, 'flaky-hl');
        return Array.isArray(got) && got.length === 1 && got[0] === b.ip;
      });
      for (let i = 0; i < 6; i++) assert.equal(await httpFrom(client, 'http://flaky/'), `200 ${b.replica}`);
      assert.deepEqual(await lookupFrom(client, 'flaky-all'), [a.ip, b.ip].sort(), 'publishNotReadyAddresses');
    } finally {
      await run(a.id, ['touch', '/tmp/ready']);
    }
    await waitFor('both Ready again', () => ready('flaky').length === 2);
  });

  it('refuses connections while a Service has no Ready endpoint, and serves again when one returns', async () => {
    const pods = await replicasOf(name, 'flaky');
    await Promise.all(pods.map((p) => run(p.id, ['rm', '/tmp/ready'])));
    try {
      await waitFor('no flaky replica Ready', () => ready('flaky').length === 0);
      await waitFor('refused', async () => (await httpFrom(client, 'http://flaky/')) === 'ECONNREFUSED');
      assert.match(await httpFrom(client, 'http://web/'), /^200 web-/, 'other Services are not affected');
    } finally {
      await Promise.all(pods.map((p) => run(p.id, ['touch', '/tmp/ready'])));
    }
    await waitFor('served again', async () => (await httpFrom(client, 'http://flaky/')).startsWith('200 flaky-'));
  });

  it("relays other names to Docker's DNS: container names through the proxy's server, external names as the host resolves them", async () => {
    const proxyIP = (await docker.getContainer(proxyContainerName(name)).inspect()).NetworkSettings.Networks[
      networkName(name)
    ].IPAddress;
    const [web] = await replicasOf(name, 'web');
    // Asked of the proxy's DNS directly: a name it does not own comes back from 127.0.0.11.
    const script = `const r = new (require('dns').promises.Resolver)(); r.setServers([process.argv[1]]);
      r.resolve4(process.argv[2]).then((a) => console.log(JSON.stringify(a)), (e) => console.log(e.code));`;
    assert.equal(
      await run(client, ['node', '-e', script, proxyIP, `${name}_${web.replica}`]),
      JSON.stringify([web.ip]),
    );
    // And through the pod's own resolver, an external name resolves as it does on the host.
    const external = 'registry.npmjs.org';
    const onHost = await dns.promises.lookup(external, { family: 4 }).then(
      () => true,
      () => false,
    );
    const inPod = await lookupFrom(client, external);
    assert.equal(Array.isArray(inPod) && inPod.length > 0, onHost, `in the pod: ${JSON.stringify(inPod)}`);
  });

  it('keeps serving while the controller is stopped, and a new controller resyncs the proxy', async () => {
    const webIP = clusterIP('web');
    await stack?.stop();
    stack = undefined;
    const offline = await readStatus(dir);
    assert.equal(offline.services.find((s) => s.name === 'web')?.clusterIP, webIP, 'status without a controller');
    const [gone, kept] = await replicasOf(name, 'web');
    assert.match(await httpFrom(client, 'http://web/'), /^200 web-/, 'served without a controller');
    // A replica removed behind everyone's back: the proxy still lists it, and retries on the other.
    await docker.getContainer(gone.id).remove({ force: true });
    for (let i = 0; i < 4; i++) assert.equal(await httpFrom(client, 'http://web/'), `200 ${kept.replica}`);
    stack = await startStack(dir);
    stack.ctl.on('event', (e) => e.type === 'Warning' && events.push(`${e.reason} ${e.object}: ${e.message}`));
    const fresh = await waitFor('a replacement web replica', async () =>
      (await replicasOf(name, 'web')).find((r) => r.replica !== kept.replica),
    );
    await waitFor('the replacement Ready', () => ready('web').includes(fresh.replica));
    await waitFor('the proxy sends to the replacement', async () => {
      for (let i = 0; i < 4; i++) if ((await httpFrom(client, 'http://web/')) === `200 ${fresh.replica}`) return true;
      return false;
    });
  });

  it('makes the proxy again when it is removed', async () => {
    const [before] = await proxyContainers(name);
    await docker.getContainer(before.Id).remove({ force: true });
    await waitFor(
      'a new proxy container',
      async () => (await proxyContainers(name)).some((c) => c.Id !== before.Id && c.State === 'running'),
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${events.slice(-5).join('; ')}`);
    });
    await waitFor('web answers through the new proxy', async () =>
      (await httpFrom(client, 'http://web/')).startsWith('200 web-'),
    );
  });

  it('down removes the proxy container and its image with the stack', async () => {
    await stack?.stop();
    stack = undefined;
    await downStack(docker, name, () => 0);
    assert.deepEqual(await proxyContainers(name), []);
    await assert.rejects(docker.getImage(stackProxyImage(name)).inspect(), /no such image/i);
    assert.deepEqual(await docker.listNetworks({ filters: { name: [networkName(name)] } }), []);
  });
});
