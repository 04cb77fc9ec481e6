// `flotilla render --push` for real: the local engine builds the stack's image and pushes it to a registry on
// 127.0.0.1; the written manifests reference it by digest (which the registry serves), other images and the
// source manifests are untouched, kustomization.yaml lists the files and README.md the settings left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBusyboxImage } from '../support/base-images';
import { docker, uniqueName, writeStack } from '../support/stack-fixture';
import { startRegistry, type LocalRegistry } from '../swarm/registry';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('flotilla render (real engine and registry)', function () {
  this.timeout(240_000);
  let registry: LocalRegistry;
  let name: string;
  let dir: string;
  let out: string;

  before(async () => {
    await ensureBusyboxImage(docker);
    registry = await startRegistry();
  });
  after(async () => {
    await registry?.stop();
  });
  beforeEach(() => {
    name = uniqueName('t-render');
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-rendered-'));
    dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nbuild:\n  - {image: ${name}/app, context: app}\nnodes:\n  - {name: a, cpu: "1", memory: 1Gi, labels: {zone: a}}\nsettings: {backoffBaseSeconds: 1}\n`,
      'app/Dockerfile': 'FROM flotilla.local/busybox:1\nCOPY hello.txt /hello.txt\n',
      'app/hello.txt': `hello from ${name}\n`,
      'k8s/app.yaml': `# the app\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: app}}\n  template:\n    metadata: {labels: {app: app}}\n    spec:\n      initContainers:\n        - {name: init, image: flotilla.local/busybox:1, command: ["true"]}\n      containers:\n        - name: app # keeps its comment\n          image: ${name}/app\n          command: [httpd, -f, -p, "8080"]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: app}\nspec:\n  selector: {app: app}\n  ports: [{port: 80, targetPort: 8080}]\n`,
    });
  });
  afterEach(async () => {
    for (const img of await docker.listImages({
      filters: { reference: [`${name}/app`, `${registry.address}/${name}/app`] },
    })) {
      await docker
        .getImage(img.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('pushes the built image and writes manifests referencing it by digest, with kustomization.yaml and README.md', async () => {
    const source = fs.readFileSync(path.join(dir, 'k8s/app.yaml'), 'utf8');
    const r = flotilla(['render', '--stack', dir, '--registry', registry.address, '--out', out, '--push']);
    assert.equal(r.code, 0, r.err + r.out);
    assert.equal(fs.readFileSync(path.join(dir, 'k8s/app.yaml'), 'utf8'), source, 'the source manifest changed');

    const rendered = fs.readFileSync(path.join(out, 'k8s/app.yaml'), 'utf8');
    const m = new RegExp(`image: (${registry.address.replace(/\./g, '\\.')}/${name}/app)@(sha256:[0-9a-f]{64})`).exec(
      rendered,
    );
    assert.ok(m, rendered);
    assert.match(rendered, /image: flotilla\.local\/busybox:1/, 'an image the stack does not build is left as written');
    assert.match(rendered, /# keeps its comment/);
    assert.match(rendered, /kind: Service/);
    // The registry serves that very digest.
    const res = await fetch(`http://${registry.address}/v2/${name}/app/manifests/${m[2]}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), m[2]);

    const kustomization = fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8');
    assert.match(kustomization, /kind: Kustomization/);
    assert.match(kustomization, /- k8s\/app\.yaml/);
    const kubectl = spawnSync('kubectl', ['kustomize', out], { encoding: 'utf8' });
    if (kubectl.status === 0) assert.match(kubectl.stdout, new RegExp(`@${m[2]}`));

    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    assert.match(readme, /\| `nodes` \|.*\| yes \|/);
    assert.match(readme, /\| `settings.backoffBaseSeconds \/ backoffMaxSeconds` \|.*\| yes \|/);
    assert.match(readme, /\| `settings.hpaSyncSeconds` \|.*\| no \|/);
  });

  it('without --push references the content-hash tag and pushes nothing; refuses to write over the stack', async () => {
    const r = flotilla(['render', '--stack', dir, '--registry', registry.address, '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      fs.readFileSync(path.join(out, 'k8s/app.yaml'), 'utf8'),
      new RegExp(`image: ${registry.address}/${name}/app:[0-9a-f]{16}\\n`),
    );
    const tags = await fetch(`http://${registry.address}/v2/${name}/app/tags/list`);
    assert.equal(tags.status, 404);
    const over = flotilla(['render', '--stack', dir, '--registry', registry.address, '--out', path.join(dir, 'k8s')]);
    assert.equal(over.code, 1);
    assert.match(over.err, /would overwrite the stack's own manifests/);
  });
});
