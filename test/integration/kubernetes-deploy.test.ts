// `flotilla deploy --target kubernetes` against a real cluster: it runs only where KUBECONFIG (or
// ~/.kube/config) points at a cluster that answers and FLOTILLA_TEST_REGISTRY names a registry this engine can
// push to and the cluster can pull from. Elsewhere it is reported as skipped, with the reason: there is no
// stand-in for the API server, because a mock would only test the mock.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { clusterReachable, kubeConfig } from '../../extension/engine/deploy/kubernetes';
import { ensureBusyboxImage } from '../support/base-images';
import { docker, uniqueName, writeStack } from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');

describe('flotilla deploy --target kubernetes (real cluster)', function () {
  this.timeout(600_000);
  let registry = '';

  before(async function () {
    const unreachable = await clusterReachable(process.env.FLOTILLA_TEST_CONTEXT);
    registry = process.env.FLOTILLA_TEST_REGISTRY ?? '';
    const reason =
      unreachable ?? (registry ? undefined : 'FLOTILLA_TEST_REGISTRY is not set (a registry the cluster pulls from)');
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    await ensureBusyboxImage(docker);
  });

  it('server-side applies the rendered stack and waits until the Deployment is available', async () => {
    const name = uniqueName('t-kube');
    const dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nbuild:\n  - {image: ${name}/app, context: app}\n`,
      'app/Dockerfile': 'FROM flotilla.local/busybox:1\nCMD ["httpd", "-f", "-p", "8080"]\n',
      'k8s/app.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers: [{name: app, image: ${name}/app}]\n`,
    });
    const ctx = process.env.FLOTILLA_TEST_CONTEXT ? ['--context', process.env.FLOTILLA_TEST_CONTEXT] : [];
    const r = spawnSync(
      process.execPath,
      [
        '--require',
        'tsx/cjs',
        path.join(ROOT, 'extension/cli/main.ts'),
        'deploy',
        '--target',
        'kubernetes',
        ...ctx,
        '--registry',
        registry,
        '--stack',
        dir,
      ],
      { encoding: 'utf8', timeout: 540_000 },
    );
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`rollout: Deployment/${name} 1/1`));
    const k8s = await import('@kubernetes/client-node');
    const apps = (await kubeConfig(process.env.FLOTILLA_TEST_CONTEXT)).makeApiClient(k8s.AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name, namespace: 'default' });
    assert.equal(d.status?.availableReplicas, 1);
    assert.match(d.spec?.template.spec?.containers[0].image ?? '', /@sha256:[0-9a-f]{64}$/);
    assert.ok(d.metadata?.managedFields?.some((f) => f.manager === 'flotilla' && f.operation === 'Apply'));
    await apps.deleteNamespacedDeployment({ name, namespace: 'default' });
  });
});
