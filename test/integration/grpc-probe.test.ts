// gRPC probes against a real grpc.health.v1 server in a container (built from the local node
// image with @grpc/grpc-js): SERVING makes the replica Ready, NOT_SERVING takes it out of its
// Service's endpoints with the kubelet's message, a named service is asked for by name, and a
// server without the health service fails a liveness probe (UNIMPLEMENTED) and is restarted.
import assert from 'node:assert/strict';
import { runCheck } from '../../extension/engine/health/checks';
import { ensureGrpcHealthImage } from '../support/grpc-health-image';
import { podDeployment, runningContainer, sh } from '../support/pod-helpers';
import {
  docker,
  removeStack,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';

describe('gRPC probes (real Docker, grpc.health.v1)', function () {
  this.timeout(240_000);
  let name: string;
  let run: Running | undefined;
  let image: string;

  before(async () => {
    image = await ensureGrpcHealthImage(docker);
  });
  beforeEach(() => {
    name = uniqueName('t-grpc');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
  });

  it('is Ready while the server is SERVING, not Ready when it says NOT_SERVING, asking for the named service', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml':
        podDeployment(
          'api',
          `containers:
  - name: api
    image: ${image}
    ports: [{name: grpc, containerPort: 9090}]
    readinessProbe: {grpc: {port: 9090, service: ready}, periodSeconds: 1, failureThreshold: 1}`,
        ) +
        '---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec:\n  selector: {app: api}\n  ports: [{port: 9090, targetPort: grpc}]\n',
    });
    const events: string[] = [];
    run = await startStack(dir);
    run.ctl.on('event', (e) => events.push(`${e.reason}: ${e.message}`));
    await waitFor('a Ready replica', () => run!.ctl.status().deployments[0].replicas[0]?.ready === true, 60_000);
    assert.equal(run.ctl.status().services[0].endpoints[0]?.ready, true);
    const id = await runningContainer(name, 'api', 'api');
    await sh(id, 'echo NOT_SERVING > /app/status-ready');
    await waitFor('not Ready', () => run!.ctl.status().deployments[0].replicas[0]?.ready === false);
    assert.ok(
      events.includes('Unhealthy: Readiness probe failed: service unhealthy (responded with "NOT_SERVING")'),
      events.join('\n'),
    );
    await sh(id, 'rm /app/status-ready');
    await waitFor('Ready again', () => run!.ctl.status().deployments[0].replicas[0]?.ready === true);
  });

  it('restarts a container whose server does not implement the health service (liveness)', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': podDeployment(
        'api',
        `containers:
  - name: api
    image: ${image}
    env: [{name: HEALTH, value: "off"}]
    livenessProbe: {grpc: {port: 9090}, periodSeconds: 1, failureThreshold: 1, initialDelaySeconds: 1}`,
      ),
    });
    const events: string[] = [];
    run = await startStack(dir);
    run.ctl.on('event', (e) => events.push(`${e.reason}: ${e.message}`));
    await waitFor('a restart', () => (run!.ctl.status().deployments[0].replicas[0]?.restarts ?? 0) >= 1, 60_000);
    assert.ok(
      events.some((e) =>
        e.startsWith(
          'Unhealthy: Liveness probe failed: error: this server does not implement the grpc health protocol (grpc.health.v1.Health)',
        ),
      ),
      events.join('\n'),
    );
  });

  it('says what the kubelet says when nothing listens or the service is unknown', async () => {
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': podDeployment('api', `containers:\n  - name: api\n    image: ${image}`),
    });
    run = await startStack(dir);
    const id = await runningContainer(name, 'api', 'api');
    const address = await waitFor('an address', () => run!.ctl.status().deployments[0].replicas[0]?.address);
    const target = { docker, containerId: id, address, ports: [], route: 'direct' as const };
    const probe = (port: number, service: string) =>
      runCheck(
        target,
        {
          grpc: { port, service },
          initialDelaySeconds: 0,
          periodSeconds: 1,
          timeoutSeconds: 1,
          successThreshold: 1,
          failureThreshold: 1,
        },
        1,
      );
    await waitFor('the server to answer', async () => (await probe(9090, '')).ok);
    assert.deepEqual(await probe(9091, ''), {
      ok: false,
      output: `timeout: failed to connect service "${address}:9091" within 1s: context deadline exceeded`,
    });
    await sh(id, 'echo NOT_FOUND > /app/status-missing');
    assert.deepEqual(await probe(9090, 'missing'), {
      ok: false,
      output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service',
    });
  });
});
