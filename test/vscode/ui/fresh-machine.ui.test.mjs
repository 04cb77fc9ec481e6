// "Try it in VS Code" on a fresh machine, as a new user meets it: a Docker engine that has no
// image at all, `npm run open` on the example, Up in the editor, every replica Ready. The
// fresh engine is a private daemon in its own network namespace (test/support/private-docker),
// so the shared flotilla.local images of this machine stay as they are; code-server, the
// controller and Chromium run in that namespace, where the stack's addresses are. Then a
// build whose base image is missing fails in one line that starts with the fix.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../../../extension/scripts/code-server.mjs';
import { CHROMIUM, launchBrowser } from '../browser.mjs';
import { scratchWorkspace } from '../workspace.mjs';
import { openWorkbench, runCommand, screenshot, treeItem, widenSidebar } from './workbench.mjs';

const STACK = `shop-fresh-${process.pid}`;
const support = await import('../../support/private-docker.ts');
const { startPrivateDocker, privateDockerPossible } = support.startPrivateDocker ? support : support.default;

describe('Try it in VS Code on a fresh machine (npm run open, no base images)', function () {
  this.timeout(900_000);
  let docker, open, browser, page, workspace, wrapperDir;
  let output = '';

  before(async () => {
    assert.ok(privateDockerPossible(), 'a private Docker daemon needs root, dockerd, ip and nsenter');
    docker = await startPrivateDocker();
    workspace = scratchWorkspace('fresh', STACK);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      if (page) await screenshot(page, 'fresh-machine-failed').catch(() => undefined);
      console.error(output.slice(-3000));
    }
  });

  after(async () => {
    await browser?.close();
    if (open && open.exitCode === null) {
      const gone = new Promise((r) => open.once('exit', r));
      process.kill(-open.pid, 'SIGTERM'); // npm, the script and code-server: the whole group
      await gone;
    }
    if (workspace && docker) {
      spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'down', '--stack', workspace], {
        env: { ...process.env, DOCKER_HOST: docker.host },
        stdio: 'ignore',
        timeout: 120_000,
      });
    }
    await docker?.destroy();
    if (wrapperDir) fs.rmSync(wrapperDir, { recursive: true, force: true });
  });

  it('starts from an engine without a single image', async () => {
    assert.deepEqual(await docker.docker.listImages(), []);
  });

  it('npm run open prepares the engine as npm run example does, and serves VS Code', async () => {
    open = spawn('nsenter', [`--net=/run/netns/${docker.netns}`, 'npm', 'run', 'open', '--', workspace], {
      cwd: ROOT,
      env: { ...process.env, DOCKER_HOST: docker.host },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise((resolve, reject) => {
      const seen = (chunk) => {
        output += chunk.toString();
        const m = /Flotilla in VS Code: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(output);
        if (m) resolve(m[1]);
      };
      open.stdout.on('data', seen);
      open.stderr.on('data', seen);
      open.once('exit', (code) => reject(new Error(`npm run open exited (${code}):\n${output.slice(-3000)}`)));
    });
    const tags = (await docker.docker.listImages()).flatMap((i) => i.RepoTags ?? []);
    assert.ok(tags.includes('flotilla.local/node:20'), tags.join(', '));
    assert.ok(tags.includes('flotilla.local/busybox:1'), tags.join(', '));
    // Chromium joins the namespace too: code-server listens on its 127.0.0.1.
    wrapperDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-chromium-'));
    const wrapper = path.join(wrapperDir, 'chromium');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/run/netns/${docker.netns} ${CHROMIUM} "$@"\n`, {
      mode: 0o755,
    });
    browser = await launchBrowser(wrapper);
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await openWorkbench(page, url);
  });

  it('Up in the editor builds the stack on those base images, and every replica is Ready', async () => {
    assert.ok(page, 'no workbench');
    await page.locator('.part.activitybar a.action-label[aria-label^="Flotilla"]').click();
    await page.getByText('The stack is not running.').waitFor({ timeout: 60_000 });
    await widenSidebar(page, 640);
    await runCommand(page, 'Flotilla: Up');
    const ready = treeItem(page, new RegExp(`^stack ${STACK} up · (\\d+)/\\1 ready`));
    const failed = page.locator('.notifications-toasts .notification-toast .codicon-error');
    await ready.or(failed).first().waitFor({ timeout: 600_000 });
    if (await failed.isVisible()) assert.fail(await page.locator('.notifications-toasts').innerText());
    await screenshot(page, 'fresh-machine-ready');
    await runCommand(page, 'Flotilla: Down');
    await page.getByText('The stack is not running.').waitFor({ timeout: 120_000 });
  });

  it('a build whose base image is missing fails in one line that starts with the fix', async () => {
    assert.ok(page, 'no workbench');
    const dockerfile = path.join(workspace, 'services', 'api', 'Dockerfile');
    const text = fs.readFileSync(dockerfile, 'utf8');
    fs.writeFileSync(dockerfile, text.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=flotilla.local/node:20-missing'));
    await runCommand(page, 'Flotilla: Up');
    const toast = page.locator('.notifications-toasts .notification-toast', { has: page.locator('.codicon-error') });
    await toast.waitFor({ timeout: 300_000 });
    const message = (await toast.locator('.notification-list-item-message').innerText()).trim();
    await screenshot(page, 'fresh-machine-missing-base');
    assert.match(message, /^Flotilla: build the local base images first \(bash \S+base-images\.sh\): /);
    assert.match(message, /builds FROM flotilla\.local\/node:20-missing/);
    assert.doesNotMatch(message, /Step \d|--->/);
    fs.writeFileSync(dockerfile, text);
  });
});
