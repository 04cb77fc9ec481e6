// Rebuild and roll on save, against the real engine: a changed build context
// rebuilds that image and rolls only its deployment; a manifest edit rolls only
// the edited deployment; a broken save changes nothing and names file and line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackWatcher } from '../../extension/engine/watch';
import { ensureBusyboxImage } from '../support/base-images';
import {
  docker,
  removeStack,
  stackContainers,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';
import { deployment } from '../support/manifests';

function site(name: string, image: string, command = ['httpd', '-f', '-p', '8080', '-h', '/www']): string {
  return deployment(name, { replicas: 1, image, command, env: { COLOR: 'blue' } });
}

async function hashes(stack: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const c of await stackContainers(stack)) {
    if (c.State === 'running') out[c.Labels['dev.flotilla.deployment']] = c.Labels['dev.flotilla.pod-template-hash'];
  }
  return out;
}

describe('rebuild and roll on save (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;
  let watcher: StackWatcher | undefined;
  const said: string[] = [];

  afterEach(async () => {
    await watcher?.close();
    await run?.stop();
    await removeStack(name);
    const imgs = await docker.listImages({ filters: { label: [`dev.flotilla.stack=${name}`] } });
    for (const i of imgs) {
      await docker
        .getImage(i.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it('rebuilds only the changed image, rolls only the affected deployments, and ignores a broken save', async () => {
    await ensureBusyboxImage(docker);
    name = uniqueName('t-watch');
    const dir = writeStack({
      'flotilla.yaml': stackFile(name, `build:\n  - {image: ${name}/site, context: site}\n`),
      'site/Dockerfile': 'FROM flotilla.local/busybox:1\nCOPY index.html /www/index.html\n',
      'site/index.html': 'v1\n',
      'site/.dockerignore': 'notes.txt\n',
      'site/notes.txt': 'ignored\n',
      'k8s/site.yaml': site('site', `${name}/site`),
      'k8s/other.yaml': site('other', 'flotilla.local/busybox:1', [
        'sh',
        '-c',
        'mkdir -p /www && exec httpd -f -p 8080 -h /www',
      ]),
    });
    run = await startStack(dir);
    said.length = 0;
    watcher = new StackWatcher(run.ctl, {}, (l) => said.push(l), 100);
    watcher.start();
    await waitFor('both running', async () => Object.keys(await hashes(name)).length === 2);
    const h0 = await hashes(name);

    // A file .dockerignore leaves out: no reload at all.
    fs.writeFileSync(path.join(dir, 'site/notes.txt'), 'still ignored\n');
    // A file the context sends: rebuild, and roll site only.
    fs.writeFileSync(path.join(dir, 'site/index.html'), 'v2\n');
    const h1 = await waitFor(
      'site rolled',
      async () => {
        const h = await hashes(name);
        return h.site && h.site !== h0.site && (await stackContainers(name)).length === 2 ? h : undefined;
      },
      90_000,
    );
    assert.equal(h1.other, h0.other, 'other deployment untouched');
    assert.ok(!said.some((l) => l.includes('notes.txt')), said.join('\n'));

    // A manifest edit rolls that deployment only.
    fs.writeFileSync(
      path.join(dir, 'k8s/other.yaml'),
      fs.readFileSync(path.join(dir, 'k8s/other.yaml'), 'utf8').replace('value: blue', 'value: green'),
    );
    const h2 = await waitFor(
      'other rolled',
      async () => {
        const h = await hashes(name);
        return h.other && h.other !== h1.other && (await stackContainers(name)).length === 2 ? h : undefined;
      },
      90_000,
    );
    assert.equal(h2.site, h1.site, 'site untouched');

    // A broken save: reported with file and line, nothing changes.
    const before = (await stackContainers(name)).map((c) => c.Id).sort();
    const broken = fs.readFileSync(path.join(dir, 'k8s/other.yaml'), 'utf8').replace('replicas: 1', 'replicas: -2');
    const line = broken.split('\n').findIndex((l) => l.includes('replicas: -2')) + 1;
    fs.writeFileSync(path.join(dir, 'k8s/other.yaml'), broken);
    await waitFor('the error reported', () => said.find((l) => /not applied/.test(l)));
    const report = said.find((l) => /not applied/.test(l))!;
    assert.match(report, new RegExp(`k8s/other\\.yaml:${line}:\\d+ spec\\.replicas: must be at least 0`));
    await run.ctl.idle();
    assert.deepEqual((await stackContainers(name)).map((c) => c.Id).sort(), before);
  });
});
