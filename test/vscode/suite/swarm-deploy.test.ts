// "Flotilla: Deploy to Swarm…" against a real 3-node swarm (test/swarm/lab.sh): the command asks for the
// manager's Docker host and the registry, remembers them for the workspace (the second run offers them), shows
// the deploy's progress, builds and pushes the stack's image to the lab's registry, and the Swarm view then
// holds the replicas by node. The input boxes and the progress notification are the extension host's own
// functions, replaced for the suite's duration only.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SWARM_HOST_KEY, SWARM_REGISTRY_KEY } from '../../../extension/client/swarm/deploy-command';
import { createDocker } from '../../../extension/engine/docker/client';
import { LABELS } from '../../../extension/engine/docker/labels';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../../support/base-images';
import { ensureNodeImage, NODE_IMAGE } from '../../support/node-image';
import { labPossible, startLab, type Lab } from '../../swarm/lab';
import { EXTENSION_ID, flotilla } from './util';

const REPLICAS = 3;

/** One Deployment of a busybox httpd built FROM the shared base image, and a Service in front of it. */
function writeSmallStack(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-swarm-cmd-'));
  const files: Record<string, string> = {
    'flotilla.yaml': `name: ${name}\nmanifests: ["k8s.yaml"]\nbuild:\n  - image: ${name}/web\n    context: web\n`,
    'web/Dockerfile': `FROM ${BUSYBOX_IMAGE}\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
    'web/index.html': `${name}\n`,
    'k8s.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: ${REPLICAS}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: ${name}/web
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body));
          } catch (e) {
            reject(new Error(`${url} answered ${res.statusCode}: ${body.slice(0, 200)} (${String(e)})`));
          }
        });
      })
      .on('error', reject);
  });
}

interface Prompt {
  title?: string;
  prompt?: string;
  value?: string;
}

export default function (): void {
  describe('Deploy to Swarm… on a 3-node swarm (lab)', function () {
    this.timeout(240_000);
    const window = vscode.window;
    const originalInputBox = window.showInputBox;
    const originalProgress = window.withProgress;
    let lab: Lab | undefined;
    let dir = '';
    const name = `swarmcmd-${Math.random().toString(36).slice(2, 8)}`;
    const prompts: Prompt[] = [];
    /** What the user types in each box, given what the box offers; undefined is Escape. */
    let answer: (p: Prompt) => string | undefined = () => undefined;
    const progress: { title: string; messages: string[] }[] = [];

    const fakeInputBox: typeof window.showInputBox = async (options) => {
      const shown: Prompt = { title: options?.title, prompt: options?.prompt, value: options?.value };
      prompts.push(shown);
      const text = answer(shown);
      if (text !== undefined) {
        const invalid = await options?.validateInput?.(text);
        assert.ok(!invalid, `"${text}" rejected by ${shown.title}: ${JSON.stringify(invalid)}`);
      }
      return text;
    };
    const recordingProgress: typeof window.withProgress = (options, task) =>
      originalProgress(options, (report, token) => {
        const seen = { title: options.title ?? '', messages: [] as string[] };
        progress.push(seen);
        return task(
          {
            report: (value) => {
              if (value.message) seen.messages.push(value.message);
              report.report(value);
            },
          },
          token,
        );
      });

    before(async () => {
      const why = labPossible();
      if (why) throw new Error(why);
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is not loaded`);
      const host = createDocker();
      await ensureBusyboxImage(host);
      await ensureNodeImage(host);
      lab = await startLab(path.join(ext.extensionPath, 'test', 'swarm', 'lab.sh'));
      // The manager builds the stack's image and the Service proxy's, as a user's manager would from its bases.
      lab.loadImages(lab.manager, [BUSYBOX_IMAGE, NODE_IMAGE]);
      dir = writeSmallStack(name);
      const { ctx } = await flotilla();
      // Nothing remembered yet, whatever ran in this workspace before.
      await ctx.extension.workspaceState.update(SWARM_HOST_KEY, undefined);
      await ctx.extension.workspaceState.update(SWARM_REGISTRY_KEY, undefined);
      assert.ok(Reflect.set(window, 'showInputBox', fakeInputBox), 'could not replace showInputBox');
      assert.ok(Reflect.set(window, 'withProgress', recordingProgress), 'could not replace withProgress');
    });

    after(async () => {
      Reflect.set(window, 'showInputBox', originalInputBox);
      Reflect.set(window, 'withProgress', originalProgress);
      const { ctx } = await flotilla();
      await ctx.extension.workspaceState.update(SWARM_HOST_KEY, undefined);
      await ctx.extension.workspaceState.update(SWARM_REGISTRY_KEY, undefined);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      await lab?.destroy();
    });

    it('asks for the manager and registry, deploys with progress, and the Swarm view shows replicas by node', async () => {
      assert.ok(lab);
      const theLab = lab;
      const api = await flotilla();
      answer = (p) => (p.title?.includes('1/2') ? theLab.manager.host : theLab.registry);
      const ok = await vscode.commands.executeCommand<boolean>('flotilla.deployToSwarm', { stackDir: dir });
      assert.deepEqual(
        prompts.map((p) => [p.title, p.value]),
        [
          ['Deploy to Swarm (1/2)', ''],
          ['Deploy to Swarm (2/2)', ''],
        ],
      );
      assert.match(prompts[0].prompt ?? '', /manager's Docker host/);
      assert.match(prompts[1].prompt ?? '', /registry/);
      assert.equal(ok, true, `the deploy failed; progress: ${JSON.stringify(progress)}`);

      // Progress: one notification for the run, showing the CLI's lines up to the end.
      assert.equal(progress.length, 1, JSON.stringify(progress));
      assert.equal(progress[0].title, 'Flotilla: deploying to the swarm');
      const messages = progress[0].messages;
      assert.ok(
        messages.some((m) => m === `swarm: 3 node(s), 3 ready; registry ${theLab.registry}`),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((m) => m.includes('deployed to the swarm')),
        messages.join('\n'),
      );

      // The command built the image and pushed it to the lab's registry; the service runs it from there.
      const services = await theLab.manager.docker.listServices({
        filters: { label: [`${LABELS.stack}=${name}`] },
      });
      const images = services.map((s) => {
        const task = s.Spec?.TaskTemplate;
        return task && 'ContainerSpec' in task ? (task.ContainerSpec?.Image ?? '') : '';
      });
      const web = images.find((i) => i.includes(`/${name}/web`));
      assert.ok(web, `no service runs ${name}/web: ${images.join(', ')}`);
      assert.ok(web.startsWith(`${theLab.registry}/`), web);
      const repo = web.slice(theLab.registry.length + 1).split(/[:@]/)[0];
      const catalog = await getJson(`http://${theLab.registry}/v2/_catalog`);
      assert.ok(typeof catalog === 'object' && catalog !== null && 'repositories' in catalog, JSON.stringify(catalog));
      assert.ok(Array.isArray(catalog.repositories) && catalog.repositories.includes(repo), JSON.stringify(catalog));

      // The Swarm view: the stack's row holding the 3 nodes, each running one of the replicas.
      const view = api.swarm;
      const [stackRow, ...others] = view.getChildren();
      assert.equal(others.length, 0);
      assert.equal((await view.getTreeItem(stackRow)).label, name);
      const nodes = await Promise.all(
        view.getChildren(stackRow).map(async (n) => {
          const item = await view.getTreeItem(n);
          const replicas = await Promise.all(view.getChildren(n).map((r) => view.getTreeItem(r)));
          return {
            label: String(item.label),
            description: String(item.description),
            replicas: replicas.map((r) => String(r.description)),
          };
        }),
      );
      const spread = JSON.stringify(nodes);
      assert.deepEqual(nodes.map((n) => n.label).sort(), ['n1', 'n2', 'n3'], spread);
      for (const n of nodes) {
        assert.equal(n.description, '1 replica', spread);
        assert.equal(n.replicas.length, 1, spread);
        assert.equal(n.replicas[0], 'web · Ready', spread);
      }
      assert.equal(api.swarm.current?.deployments.find((d) => d.name === 'web')?.ready, REPLICAS);
    });

    it('remembers the manager and registry for the workspace: the second run offers them', async () => {
      assert.ok(lab);
      prompts.length = 0;
      progress.length = 0;
      // The user accepts what each box offers.
      answer = (p) => p.value;
      const ok = await vscode.commands.executeCommand<boolean>('flotilla.deployToSwarm', { stackDir: dir });
      assert.deepEqual(
        prompts.map((p) => [p.title, p.value]),
        [
          ['Deploy to Swarm (1/2)', lab.manager.host],
          ['Deploy to Swarm (2/2)', lab.registry],
        ],
      );
      assert.equal(ok, true, `the second deploy failed; progress: ${JSON.stringify(progress)}`);
      assert.equal(progress.length, 1);
      assert.ok(
        progress[0].messages.some((m) => m.includes('deployed to the swarm')),
        progress[0].messages.join('\n'),
      );
    });
  });
}
