// Kustomize layouts, through the engine (what `up` loads and runs) and through lint, with the
// renderer this machine has (kubectl kustomize): problems land in the files the user wrote,
// a missing renderer is one line saying how to get one, skaffold's manifests.kustomize.paths
// works the same, and the watch loop re-renders and rolls on a change under a base.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStack } from '../../extension/engine/model/load-stack';
import { findRenderer, NO_RENDERER } from '../../extension/engine/model/kustomize';
import { StackWatcher } from '../../extension/engine/watch';
import { lintStackDir } from '../../language-server/src/index';
import { ensureBusyboxImage } from '../support/base-images';
import { deployment, httpdShell } from '../support/manifests';
import {
  docker,
  removeStack,
  stackContainers,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';

const BASE_DEP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: flotilla.local/busybox:1
          command: [sh, -c, 'mkdir -p /www && exec httpd -f -p 8080 -h /www']
          envFrom: [{configMapRef: {name: settings}}]
`;

function layout(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'base/deployment.yaml': BASE_DEP,
    'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
    'overlays/dev/kustomization.yaml':
      'resources: [../../base]\nnamePrefix: dev-\nconfigMapGenerator:\n  - name: settings\n    literals: [COLOR=blue]\n',
    ...extra,
  };
}

describe('kustomize layouts', function () {
  this.timeout(180_000);

  before(() => {
    assert.ok(findRenderer(), `these tests need kubectl or kustomize on PATH: ${NO_RENDERER}`);
  });

  it('up loads the rendered objects, with sources in the files the user wrote', () => {
    const dir = writeStack({ 'flotilla.yaml': 'name: kz\nkustomize: overlays/dev\n', ...layout() });
    const { stack, problems } = loadStack(dir);
    assert.deepEqual(problems, []);
    const d = stack!.deployments[0];
    assert.equal(d.name, 'dev-web');
    assert.equal(d.source.file, path.join(dir, 'base/deployment.yaml'));
    assert.equal(d.source.line, 1);
    assert.match(stack!.configMaps[0].name, /^dev-settings-/);
    assert.deepEqual(stack!.configMaps[0].data, { COLOR: 'blue' });
    assert.equal(
      d.template.containers[0].envFrom[0].configMapRef?.name,
      stack!.configMaps[0].name,
      'references follow the hash',
    );
    assert.ok(stack!.kustomize?.[0].sources.includes(path.join(dir, 'base/deployment.yaml')));
  });

  it('a problem in a base is shown at its line in the base, by up and by lint alike', async () => {
    const broken = BASE_DEP.replace('replicas: 1', 'replicas: "two"');
    const dir = writeStack({
      'flotilla.yaml': 'name: kz\nkustomize: overlays/dev\n',
      ...layout({ 'base/deployment.yaml': broken }),
    });
    const line = broken.split('\n').findIndex((l) => l.includes('replicas:')) + 1;
    const { problems } = loadStack(dir);
    assert.deepEqual(
      problems.map((p) => [path.relative(dir, p.file), p.line]),
      [['base/deployment.yaml', line]],
    );
    const lint = (await lintStackDir(dir, { images: null })).filter((x) => x.severity === 'error');
    assert.deepEqual(
      lint.map((x) => [path.relative(dir, x.file), x.line, x.code, x.blocking]),
      [['base/deployment.yaml', line, 'FK2002', true]],
    );
  });

  it("skaffold's manifests.kustomize.paths renders the same way", () => {
    const dir = writeStack({
      'skaffold.yaml':
        'apiVersion: skaffold/v4beta6\nkind: Config\nmanifests:\n  kustomize:\n    paths: [overlays/dev]\n',
      ...layout(),
    });
    const { stack, problems } = loadStack(dir);
    assert.deepEqual(problems, []);
    assert.equal(stack!.deployments[0].name, 'dev-web');
  });

  it('without kustomize or kubectl on PATH: one line saying how to get one, from up and from lint', async () => {
    const dir = writeStack({ 'flotilla.yaml': 'name: kz\nkustomize: overlays/dev\n', ...layout() });
    const saved = process.env.PATH;
    process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-empty-path-')); // nothing to run
    try {
      const { problems } = loadStack(dir);
      assert.deepEqual(
        problems.map((p) => [path.basename(p.file), p.line, p.code, p.message]),
        [['flotilla.yaml', 2, 'FS1009', NO_RENDERER]],
      );
      const lint = await lintStackDir(dir, { images: null });
      assert.deepEqual(
        lint.filter((x) => x.code === 'FS1009').map((x) => [x.line, x.message]),
        [[2, NO_RENDERER]],
      );
      assert.equal(NO_RENDERER.split('\n').length, 1);
    } finally {
      process.env.PATH = saved;
    }
  });

  describe('the watch loop (real Docker)', () => {
    let name: string;
    let run: Running | undefined;
    let watcher: StackWatcher | undefined;
    afterEach(async () => {
      await watcher?.close();
      await run?.stop();
      await removeStack(name);
    });

    it('re-renders and rolls when a file of a base changes', async () => {
      await ensureBusyboxImage(docker);
      name = uniqueName('t-kz');
      const dir = writeStack({
        'flotilla.yaml': `name: ${name}\nkustomize: overlays/dev\nsettings: {backoffBaseSeconds: 0.2, terminationGracePeriodSeconds: 1}\n`,
        ...layout({
          'base/deployment.yaml': deployment('web', {
            replicas: 1,
            image: 'flotilla.local/busybox:1',
            shell: httpdShell(),
          }),
        }),
      });
      run = await startStack(dir);
      const said: string[] = [];
      watcher = new StackWatcher(run.ctl, {}, (l) => said.push(l), 100);
      watcher.start();
      await watcher.ready();
      const running = async () => (await stackContainers(name)).filter((c) => c.State === 'running').length;
      await waitFor('one replica', async () => (await running()) === 1);
      const file = path.join(dir, 'base/deployment.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('replicas: 1', 'replicas: 2'));
      await waitFor('two replicas after the base changed', async () => (await running()) === 2, 90_000).catch(
        (e: unknown) => {
          throw new Error(`${String(e)}\n${said.join('\n')}`);
        },
      );
      assert.ok(
        said.some((l) => /change detected \(base\/deployment\.yaml\)/.test(l)),
        said.join('\n'),
      );
    });
  });
});
