// The Flotilla extension in a real VS Code (code-server), driven like a user would:
// Up from the palette, replicas become Ready in Topology, scale +1 from the inline
// action, the Endpoints URL answers, a broken manifest shows in Problems, Down.
// Screenshots of each state go to test-artifacts/vscode/.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, startCodeServer } from '../../../extension/scripts/code-server.mjs';
import { launchBrowser } from '../browser.mjs';
import { scratchWorkspace } from '../workspace.mjs';
import { atLeast, openWorkbench, runCommand, screenshot, treeItem, widenSidebar } from './workbench.mjs';

const UP_TIMEOUT = 240_000;
// Its own stack name, so a run never collides with the example started by hand.
const STACK = `shop-ui-${process.pid}`;

describe('Flotilla in VS Code (code-server + Chromium)', function () {
  this.timeout(UP_TIMEOUT + 60_000);
  let server, browser, page, workspace, endpointUrl;
  // Steps after Up need a running stack: when Up fails they are skipped, not timed out.
  let upOk = false;
  const needsUp = (ctx) => upOk || ctx.skip();

  before(async () => {
    workspace = scratchWorkspace('ui', STACK);
    // FLOTILLA_TEST_VSIX=path runs the same test against the packaged extension.
    server = await startCodeServer({
      workspace,
      vsix: process.env.FLOTILLA_TEST_VSIX,
      settings: { 'terminal.integrated.gpuAcceleration': 'off' },
      log: (s) => console.error(s),
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await openWorkbench(page, server.workbenchUrl());
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await screenshot(page, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(
        () => undefined,
      );
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    // Whatever happened, leave no container of this run behind.
    if (workspace) {
      spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'down', '--stack', workspace], {
        stdio: 'ignore',
        timeout: 60_000,
      });
    }
  });

  it('shows the Flotilla views with the Up welcome while the stack is down', async () => {
    await page.locator('.part.activitybar a.action-label[aria-label^="Flotilla"]').click();
    await page.getByText('The stack is not running.').waitFor({ timeout: 30_000 });
    await page.locator('.statusbar-item', { hasText: `${STACK}: down` }).waitFor();
    await widenSidebar(page, 640);
    await screenshot(page, '01-down-welcome');
  });

  it('runs Up from the palette and the replicas become Ready in Topology', async () => {
    await runCommand(page, 'Flotilla: Up');
    // Ready, or fail at once with the error the extension showed.
    const ready = treeItem(page, new RegExp(`^stack ${STACK} up · (\\d+)/\\1 ready`));
    const error = page.locator('.notifications-toasts .notification-toast', {
      hasText: 'Flotilla: the controller exited',
    });
    await ready.or(error).first().waitFor({ timeout: UP_TIMEOUT });
    if (await error.isVisible()) assert.fail(await error.innerText());
    await atLeast(treeItem(page, /^replica api-\S+ Ready/), 2, 10_000);
    await treeItem(page, /^replica web-\S+ Ready/).waitFor();
    await page.locator('.statusbar-item', { hasText: new RegExp(`${STACK}: up (\\d+)/\\1`) }).waitFor();
    await screenshot(page, '02-up-ready');
    upOk = true;
  });

  it('scales web by +1 from the inline action and shows the new replica', async function () {
    needsUp(this);
    assert.equal(await treeItem(page, /^replica web-/).count(), 1);
    const row = treeItem(page, /^deployment web /);
    await row.hover();
    await row.locator('a.action-label[aria-label="Scale +1"]').click();
    await atLeast(treeItem(page, /^replica web-\S+ Ready/), 2, 120_000);
    await treeItem(page, /^deployment web 2\/2 ready/).waitFor();
    await screenshot(page, '03-scaled-web');
  });

  it('kills a replica from its inline action and watches it heal', async function () {
    needsUp(this);
    const victim = treeItem(page, /^replica api-\S+ Ready/).first();
    const name = /^replica (\S+)/.exec(await victim.getAttribute('aria-label'))[1];
    await victim.hover();
    await victim.locator('a.action-label[aria-label="Kill Replica"]').click();
    // Healed: the replica is Ready again after a restart (↻1), or a new replica replaced it.
    await page.waitForFunction(
      (killed) => {
        const labels = [...document.querySelectorAll('[role="treeitem"]')].map(
          (e) => e.getAttribute('aria-label') ?? '',
        );
        const api = labels.filter((l) => /^replica api-\S+ Ready/.test(l));
        const restarted = api.some((l) => l.startsWith(`replica ${killed} `) && /↻[1-9]/.test(l));
        const replaced = api.length >= 2 && !labels.some((l) => l.startsWith(`replica ${killed} `));
        return api.length >= 2 && (restarted || replaced);
      },
      name,
      { timeout: 120_000 },
    );
    await screenshot(page, '04-healed');
  });

  it('runs a rolling restart from the context menu, with progress, until every replica is new', async function () {
    needsUp(this);
    const labels = await treeItem(page, /^replica api-/).evaluateAll((els) =>
      els.map((e) => e.getAttribute('aria-label')),
    );
    const old = labels.map((l) => /^replica (\S+)/.exec(l)[1]);
    await treeItem(page, /^deployment api /).click({ button: 'right' });
    // The menu acts on the item under focus; hovering focuses it, Enter runs it.
    const item = page.locator('.context-view .action-label', { hasText: 'Rolling Restart' });
    await item.hover();
    await page.keyboard.press('Enter');
    await page.locator('.context-view .monaco-menu').waitFor({ state: 'detached' });
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: 'Flotilla: rolling restart of api' })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, '04-rollout');
    await page.waitForFunction(
      (oldNames) => {
        const api = [...document.querySelectorAll('[role="treeitem"]')]
          .map((e) => e.getAttribute('aria-label') ?? '')
          .filter((l) => l.startsWith('replica api-'));
        return (
          api.length >= 2 && api.every((l) => / Ready/.test(l) && !oldNames.some((o) => l.startsWith(`replica ${o} `)))
        );
      },
      old,
      { timeout: 180_000 },
    );
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: 'rolling restart of api' })
      .waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('opens a shell into a replica in a terminal', async function () {
    needsUp(this);
    await runCommand(page, 'Flotilla: Shell into Replica', { picker: true });
    const pick = page.locator('.quick-input-list .monaco-list-row', { hasText: /^web-/ }).first();
    await pick.click();
    const terminal = page.locator('.part.panel .xterm').first();
    await terminal.waitFor({ timeout: 30_000 });
    await terminal.click();
    await page.keyboard.type('echo flotilla-$((6*7))\n');
    // The DOM renderer (GPU acceleration off) keeps the terminal's text readable.
    await page.locator('.part.panel .xterm-rows', { hasText: 'flotilla-42' }).waitFor({ timeout: 30_000 });
    await screenshot(page, '04-shell');
    await page.keyboard.type('exit\n');
  });

  it('follows the logs of a deployment, each line prefixed by its replica', async function () {
    needsUp(this);
    const row = treeItem(page, /^deployment web /);
    await row.hover();
    await row.locator('a.action-label[aria-label="Follow Logs"]').click();
    await atLeast(
      page.locator('.part.panel .view-line', { hasText: /^\[web-\S+\]\s+web\s+listening\s+on\s+:8080/ }),
      2,
      60_000,
    );
    await screenshot(page, '04-logs');
  });

  it('draws the topology graph webview and a click reveals the deployment in the tree', async function () {
    needsUp(this);
    await runCommand(page, 'Flotilla: Show Topology Graph');
    // Webview content lives two iframes deep: the host frame, then the active frame.
    const graph = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    const web = graph.locator('g.node[data-id="deployment/web"]');
    await web.waitFor({ timeout: 30_000 });
    await graph
      .locator('path.edge.depends[data-from="deployment/web"][data-to="service/api"]')
      .waitFor({ state: 'attached' });
    await graph
      .locator('path.edge.selects[data-from="service/web"][data-to="deployment/web"]')
      .waitFor({ state: 'attached' });
    await screenshot(page, '05-graph');
    await web.click();
    await page.locator('[role="treeitem"][aria-selected="true"]', { hasText: /^web/ }).waitFor();
    await runCommand(page, 'View: Close All Editors');
  });

  it('lists the web Service URL in Endpoints and the URL answers', async function () {
    needsUp(this);
    const url = treeItem(page, /^url web http:\/\/127\.0\.0\.1:\d+/);
    await url.waitFor();
    await atLeast(treeItem(page, /^endpoint web-\S+ \S+ · ready/), 2, 60_000);
    endpointUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(await url.getAttribute('aria-label'))[0];
    const res = await fetch(endpointUrl);
    assert.equal(res.status, 200, `${endpointUrl} answered ${res.status}`);
    await screenshot(page, '06-endpoints');
    // Open in Browser: a new tab shows the shop's page, served through the balancer.
    const tab = page.context().waitForEvent('page', { timeout: 30_000 });
    await url.hover();
    await url.locator('a.action-label[aria-label="Open in Browser"]').click();
    const opened = await tab;
    await opened.getByText(/served by .*catalog from/).waitFor({ timeout: 30_000 });
    await opened.close();
  });

  it('shows a diagnostic in the Problems panel for a broken manifest', async () => {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.fill('web.yaml');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'web.yaml' }).first().click();
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.waitFor();
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type(']');
    await runCommand(page, 'View: Focus Problems');
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: /FK1001|YAML/ }).first();
    await problem.waitFor({ timeout: 60_000 });
    await screenshot(page, '07-problem');
    // Undo the break: the diagnostic goes away again.
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Z');
    await problem.waitFor({ state: 'detached', timeout: 60_000 });
    await runCommand(page, 'View: Close All Editors');
  });

  it('runs Down and the views return to the welcome content', async function () {
    needsUp(this);
    await runCommand(page, 'Flotilla: Down');
    await page.getByText('The stack is not running.').waitFor({ timeout: 120_000 });
    await page.locator('.statusbar-item', { hasText: `${STACK}: down` }).waitFor();
    await assert.rejects(fetch(endpointUrl), 'the Service URL still answers after Down');
    await screenshot(page, '08-down-again');
  });
});
