// Public Kubernetes stacks, as their projects publish them, on the real engine: Online
// Boutique (GoogleCloudPlatform/microservices-demo's release manifests), the guestbook
// (kubernetes/examples) and the MySQL StatefulSet tutorial (kubernetes/website), with only their images pointed at local
// stand-ins by a kustomization (test/fixtures/real-stacks/README.md). Every workload gets
// Ready, a client Job applied afterwards inside the stack reaches the Services by name (short
// and fully qualified) on their Service port, and `flotilla lint` finds no error in them.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { JobStatus } from '../../extension/engine/api/protocol';
import { LABELS } from '../../extension/engine/docker/labels';
import { listClaimVolumes, removeClaimVolumes } from '../../extension/engine/docker/volumes';
import { run as execIn } from './proxy-support';
import { reloadStack } from '../../extension/engine/runner';
import { lintPaths } from '../../language-server/src/lint/collect';
import { BUSYBOX_IMAGE } from '../support/base-images';
import { ensureNodeImage } from '../support/node-image';
import { addResource, copyRealStack, ensureNodeBashImage, REAL_STACKS, replicaLogs } from '../support/real-stacks';
import { docker, removeStack, startStack, uniqueName, waitFor, type Running } from '../support/stack-fixture';

/** A quicker restart after a crash and stop at down than a cluster's defaults (10 s, 30 s). */
const FAST = 'settings: {backoffBaseSeconds: 1, terminationGracePeriodSeconds: 2}\n';

/** A Job running `script` in `image` once (the client a tutorial runs with `kubectl run`). */
function clientJob(image: string, shell: string, script: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: client
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: client
        image: ${image}
        command: ["${shell}", "-c", ${JSON.stringify(script)}]
`;
}

/** Every long-running workload has all its replicas Ready. */
function allReady(r: Running, count: number): boolean {
  const ds = r.ctl.status().deployments;
  return ds.length === count && ds.every((d) => d.desired > 0 && d.ready === d.desired);
}

/** Applies the client Job to the running stack (as `kubectl apply`), waits for it to end; its status and output. */
async function runClient(r: Running, stack: string, job: string): Promise<{ status: JobStatus; logs: string }> {
  addResource(r.dir, 'client-job.yaml', job);
  await reloadStack(r.ctl);
  const status = await waitFor(
    'the client Job to end',
    () => r.ctl.status().jobs?.find((j) => j.name === 'client' && j.condition !== undefined),
    90_000,
  );
  const logs = (await Promise.all(status.replicas.map((x) => replicaLogs(docker, stack, x.name)))).join('');
  return { status, logs };
}

async function lintErrors(dir: string): Promise<string[]> {
  const diags = await lintPaths([dir], { images: 'docker' });
  return diags
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`);
}

/**
 * Runs test/fixtures/real-stacks/<project> for the enclosing describe under a unique name:
 * started (after `base` has the image its stand-ins build on) before its tests, and removed
 * with its claims after them.
 */
function useRealStack(
  project: string,
  prefix: string,
  base: (d: typeof docker) => Promise<string>,
): { name: string; running: () => Running } {
  const name = uniqueName(prefix);
  let r: Running | undefined;
  before(async () => {
    await base(docker);
    r = await startStack(copyRealStack(project, name, FAST));
  });
  after(async () => {
    await r?.stop();
    await removeStack(name);
    await removeClaimVolumes(docker, name);
  });
  const running = () => {
    if (!r) throw new Error(`${project} did not start`);
    return r;
  };
  return { name, running };
}

describe('public stacks on the real engine (stand-in images)', function () {
  this.timeout(300_000);

  describe('Online Boutique (microservices-demo release manifests)', () => {
    const { name, running } = useRealStack('microservices-demo', 't-boutique', ensureNodeImage);

    it('runs every Deployment to Ready, the load generator after its init container found the frontend', async () => {
      const run = running();
      await waitFor('all 12 Deployments Ready', () => allReady(run, 12), 150_000);
      const loadgen = run.ctl.status().deployments.find((d) => d.name === 'loadgenerator')!;
      // Its init container waited for http://frontend:80 (Service port 80, the pods' 8080).
      await waitFor('the load generator to get pages', async () =>
        /^GET \/ 200 /m.test(await replicaLogs(docker, name, loadgen.replicas[0].name)),
      );
    });

    it('a client inside the stack gets the home page and a checkout by the frontend Service name, every call answered by the right service', async () => {
      const { status, logs } = await runClient(
        running(),
        name,
        clientJob(
          'busybox',
          'sh',
          [
            'set -e',
            // The frontend's Service: port 80, target port 8080, by its fully qualified name.
            // (An assignment fails the script when its wget does: the frontend answers 500 when a call failed.)
            'home=$(wget -q -O - http://frontend.default.svc.cluster.local/)',
            'checkout=$(wget -q -O - http://frontend:80/cart/checkout)',
            'echo "HOME $home"',
            'echo "CHECKOUT $checkout"',
          ].join('\n'),
        ),
      );
      assert.equal(status.condition, 'Complete', `client Job: ${status.message ?? ''}\n${logs}`);
      // The stand-ins' replies are JSON (test/fixtures/real-stacks/microservices-demo/stand-ins/boutique.js).
      const line = (tag: string): Reply => JSON.parse(logs.match(new RegExp(`^${tag} (.*)$`, 'm'))?.[1] ?? 'null');
      const home = line('HOME');
      const expected: Record<string, string> = {
        PRODUCT_CATALOG_SERVICE_ADDR: 'productcatalogservice',
        CURRENCY_SERVICE_ADDR: 'currencyservice',
        CART_SERVICE_ADDR: 'cartservice',
        RECOMMENDATION_SERVICE_ADDR: 'recommendationservice',
        SHIPPING_SERVICE_ADDR: 'shippingservice',
        AD_SERVICE_ADDR: 'adservice',
      };
      for (const [v, service] of Object.entries(expected)) {
        assert.equal(home.calls[v]?.ok, true, `${v}: ${JSON.stringify(home.calls[v])}`);
        assert.equal(home.calls[v]?.reply?.service, service, `${v} reached ${service}`);
      }
      // The cart keeps its count in redis-cart, reached by name.
      assert.ok(Number(home.calls.CART_SERVICE_ADDR?.reply?.redis?.carts) >= 1, JSON.stringify(home.calls));
      const checkout = line('CHECKOUT').calls.CHECKOUT_SERVICE_ADDR?.reply;
      assert.equal(checkout?.service, 'checkoutservice');
      // emailservice:5000 is a Service port whose pods listen on 8080.
      const email = checkout?.calls?.EMAIL_SERVICE_ADDR;
      assert.deepEqual([email?.addr, email?.ok, email?.reply?.service], ['emailservice:5000', true, 'emailservice']);
      for (const [v, c] of Object.entries(checkout?.calls ?? {})) assert.equal(c?.ok, true, `checkout's ${v}`);
    });

    it('flotilla lint finds no error in the project', async () => {
      assert.deepEqual(await lintErrors(path.join(REAL_STACKS, 'microservices-demo')), []);
    });
  });

  describe('guestbook (kubernetes/examples web/guestbook)', () => {
    const { name, running } = useRealStack('guestbook', 't-guestbook', ensureNodeImage);

    it('runs the Redis master, two replicas and three frontends to Ready', async () => {
      const run = running();
      await waitFor('all 3 Deployments Ready', () => allReady(run, 3), 90_000);
      const counts = run.ctl
        .status()
        .deployments.map((d) => `${d.name}=${d.ready}`)
        .sort();
      assert.deepEqual(counts, ['frontend=3', 'redis-master=1', 'redis-replica=2']);
    });

    it('a client Job signs the guestbook through the frontend Service and reads it back from the replicas; so does the host, on the NodePort', async () => {
      const { status, logs } = await runClient(
        running(),
        name,
        clientJob(
          BUSYBOX_IMAGE,
          'sh',
          [
            'set -e',
            // guestbook.php writes to redis-master and reads from redis-replica, both by name.
            '# (Ready without probes, as in a cluster: the first write may come before Redis listens.)',
            'for i in $(seq 1 30); do',
            '  set=$(wget -q -O - "http://frontend/guestbook.php?cmd=set&key=messages&value=,hello") && break; sleep 1',
            'done',
            'echo "SET $set"',
            // The replicas copy the master asynchronously: polled, with a deadline.
            'for i in $(seq 1 30); do',
            '  got=$(wget -q -O - "http://frontend.default.svc.cluster.local:80/guestbook.php?cmd=get&key=messages")',
            '  case "$got" in *hello*) break ;; esac; sleep 1',
            'done',
            'echo "GET $got"',
          ].join('\n'),
        ),
      );
      assert.equal(status.condition, 'Complete', `client Job: ${status.message ?? ''}\n${logs}`);
      assert.match(logs, /^SET \{"message": "Updated"\}$/m);
      assert.match(logs, /^GET \{"data": ",hello"\}$/m);
      const url = running()
        .ctl.status()
        .services.find((s) => s.name === 'frontend')?.urls[0];
      assert.ok(url, 'the NodePort Service has a host URL');
      // Through the balancer the host may reach a replica that has not copied the master yet: polled too.
      const read = async (): Promise<[number, string]> => {
        const res = await fetch(`${url}/guestbook.php?cmd=get&key=messages`);
        return [res.status, await res.text()];
      };
      let last: [number, string] = [0, ''];
      await waitFor('the entry on the NodePort', async () => {
        last = await read();
        return last[1].includes('hello');
      }).catch(() => undefined); // the assertion below says what was read
      assert.deepEqual(last, [200, '{"data": ",hello"}']);
    });

    it('flotilla lint finds no error in the project', async () => {
      assert.deepEqual(await lintErrors(path.join(REAL_STACKS, 'guestbook')), []);
    });
  });

  describe('MySQL StatefulSet tutorial (replicated, with claims)', () => {
    const { name, running } = useRealStack('mysql', 't-mysql', ensureNodeBashImage);

    it('runs mysql-0, -1, -2 in order through their init containers, each on its own claim', async () => {
      const run = running();
      await waitFor('the StatefulSet Ready', () => allReady(run, 1), 150_000);
      const st = run.ctl.status().deployments[0];
      assert.deepEqual(
        st.replicas.map((x) => x.name),
        ['mysql-0', 'mysql-1', 'mysql-2'],
      );
      const claims = (await listClaimVolumes(docker, name)).map((v) => v.labels[LABELS.claim]).sort();
      assert.deepEqual(claims, ['data-mysql-0', 'data-mysql-1', 'data-mysql-2']);
    });

    it("a client Job writes to the primary by its pod name and reads the rows replicated to every secondary, by the tutorial's commands", async () => {
      const { status, logs } = await runClient(
        running(),
        name,
        clientJob(
          'mysql:5.7',
          'bash',
          [
            'set -ex',
            // The primary through the headless Service, as the tutorial writes to it.
            `mysql -h mysql-0.mysql -e "CREATE DATABASE test; CREATE TABLE test.messages (message VARCHAR(250)); INSERT INTO test.messages VALUES ('hello');"`,
            // Secondaries are read-only (the init container gave them secondary.cnf).
            `if mysql -h mysql-1.mysql.default.svc.cluster.local -e "INSERT INTO test.messages VALUES ('no')"; then exit 1; fi`,
            // Replication is asynchronous: each secondary is polled, with a deadline.
            'for h in mysql-1 mysql-2; do',
            '  for i in $(seq 1 30); do mysql -h $h.mysql -e "SELECT * FROM test.messages" | grep -q hello && break; sleep 1; done',
            '  echo "ROWS $h $(mysql -h $h.mysql.default.svc.cluster.local -e "SELECT * FROM test.messages" | tail -n +2)"',
            'done',
            // The mysql-read ClusterIP Service spreads connections over the three servers.
            'for i in $(seq 1 12); do echo "READ $(mysql -h mysql-read -e "SELECT @@server_id" | tail -n 1)"; done',
          ].join('\n'),
        ),
      );
      assert.equal(status.condition, 'Complete', `client Job: ${status.message ?? ''}\n${logs}`);
      assert.match(logs, /^ROWS mysql-1 hello$/m);
      assert.match(logs, /^ROWS mysql-2 hello$/m);
      const ids = new Set([...logs.matchAll(/^READ (\d+)$/gm)].map((m) => m[1]));
      assert.ok(ids.size >= 2, `mysql-read reached more than one server (server ids ${[...ids].join(', ')})`);
      assert.ok(
        [...ids].every((id) => ['100', '101', '102'].includes(id)),
        `server ids from the init container: ${[...ids].join(', ')}`,
      );
    });

    it('a deleted pod comes back under its name on its own claim: a new pod (no restarts) with its data', async () => {
      const run = running();
      const replica = () => run.ctl.status().deployments[0].replicas.find((x) => x.name === 'mysql-1');
      const containers = () =>
        docker.listContainers({
          all: true,
          filters: { label: [`${LABELS.stack}=${name}`, `${LABELS.replica}=mysql-1`] },
        });
      const app = async () => (await containers()).find((c) => c.Labels[LABELS.container] === 'mysql');
      // The server dies once: restarted in place, counted.
      await docker.getContainer((await app())!.Id).kill();
      await waitFor('mysql-1 restarted in place, Ready', () => replica()?.restarts === 1 && replica()?.ready, 60_000);
      // The pod is deleted: every container of it goes.
      const old = new Set((await containers()).map((c) => c.Id));
      await Promise.all([...old].map((id) => docker.getContainer(id).remove({ force: true })));
      await waitFor(
        'a new mysql-1 Ready',
        async () => {
          const now = await app();
          return replica()?.ready && now !== undefined && !old.has(now.Id);
        },
        90_000,
      );
      assert.equal(replica()?.restarts, 0, 'a new pod under the old name has not restarted');
      // Its claim kept the replicated rows: served by the new pod itself.
      const rows = await execIn((await app())!.Id, [
        'mysql',
        '-h',
        '127.0.0.1',
        '-e',
        'SELECT @@server_id; SELECT * FROM test.messages',
      ]);
      assert.match(rows, /^101$/m);
      assert.match(rows, /^hello$/m);
    });

    it('flotilla lint finds no error in the project', async () => {
      assert.deepEqual(await lintErrors(path.join(REAL_STACKS, 'mysql')), []);
    });
  });
});

interface Call {
  addr?: string;
  ok: boolean;
  error?: string;
  reply?: Reply;
}

/** What a stand-in answers: which service and pod, and what each of its calls got. */
interface Reply {
  service: string;
  pod: string;
  calls: Record<string, Call | undefined>;
  redis?: { addr: string; carts: number };
}
