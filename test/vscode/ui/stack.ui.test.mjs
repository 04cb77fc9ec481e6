// The Flotilla extension in a real VS Code (code-server), driven like a user would:
// Up from the palette (the tree shows the build, then Ready replicas), quick +1 clicks that
// add up, a hand-scale badge and Reset to Manifest, slow clicks on rows that update under
// them, kill with confirmation and heal, a rolling restart seen in a 300 px side bar,
// shell, logs (with timestamps), the graph, Endpoints (Copy URL), Problems, and Down (the
// hand scale does not survive it; the graph, hidden behind a manifest meanwhile, is never
// blank when shown again). Screenshots of each state go to test-artifacts/vscode/.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';
import { ROOT, startCodeServer } from '../../../extension/scripts/code-server.mjs';
import { launchBrowser } from '../browser.mjs';
import { scratchWorkspace } from '../workspace.mjs';
import {
  atLeast,
  flotillaLog,
  graphSeen,
  openWorkbench,
  recorded,
  runCommand,
  screenshot,
  setSidebarWidth,
  startRecording,
  treeItem,
  watchGraph,
  widenSidebar,
} from './workbench.mjs';

const UP_TIMEOUT = 240_000;
// Its own stack name (and image names), so a run never collides with the example started by hand.
const STACK = `shop-ui-${process.pid}`;

/** Polls `check` until it returns true, or fails with `what` (the state lives in another process). */
async function eventually(what, check, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Flotilla in VS Code (code-server + Chromium)', function () {
  this.timeout(UP_TIMEOUT + 60_000);
  let server, browser, page, workspace, endpointUrl;
  // Steps after Up need a running stack: when Up fails they are skipped, not timed out.
  let upOk = false;
  const needsUp = (ctx) => upOk || ctx.skip();
  const log = () => flotillaLog(server.runDir);
  const count = (re) => (log().match(re) ?? []).length;

  before(async () => {
    // The web image's build gets a 3 s step, so the build is on screen long enough to see.
    workspace = scratchWorkspace('ui', STACK, { ownImages: true, slowBuild: 'web' });
    // FLOTILLA_TEST_VSIX=path runs the same test against the packaged extension.
    server = await startCodeServer({
      workspace,
      vsix: process.env.FLOTILLA_TEST_VSIX,
      settings: { 'terminal.integrated.gpuAcceleration': 'off' },
      log: (s) => console.error(s),
    });
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1600, height: 1000 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    page = await context.newPage();
    await openWorkbench(page, server.workbenchUrl());
    await startRecording(page);
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
    // Whatever happened, leave no container of this run behind, nor the images it built.
    if (workspace) {
      spawnSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'down', '--stack', workspace], {
        stdio: 'ignore',
        timeout: 60_000,
      });
      const docker = new Docker();
      const images = await docker.listImages({ filters: { label: [`dev.flotilla.stack=${STACK}`] } });
      for (const i of images) {
        await docker
          .getImage(i.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
    }
  });

  /** Waits for every replica Ready, then checks that the stack row, the deployments and the status bar agree. */
  async function settledAndAgreeing() {
    await treeItem(page, new RegExp(`^stack ${STACK} up · (\\d+)/\\1 ready`)).waitFor({ timeout: 120_000 });
    const problem = await page.evaluate((stack) => {
      const labels = [...document.querySelectorAll('[role="treeitem"]')].map((e) => e.getAttribute('aria-label') ?? '');
      const total = /(\d+)\/(\d+) ready/.exec(labels.find((l) => l.startsWith(`stack ${stack} `)) ?? '');
      let ready = 0;
      let desired = 0;
      // Every long-running workload counts (the example's StatefulSet says its kind first).
      const workload = /^(deployment|statefulset|daemonset|replicaset|replicationcontroller|pod) /;
      for (const l of labels.filter((x) => workload.test(x))) {
        const m = /^\S+ \S+ (?:\w+ · )?(\d+)\/(\d+) ready/.exec(l);
        if (!m) return `unreadable row: ${l}`;
        ready += Math.min(Number(m[1]), Number(m[2]));
        desired += Number(m[2]);
      }
      const bar = document.querySelector(
        `.statusbar-item [aria-label^="Flotilla stack ${stack}"], .statusbar-item[aria-label^="Flotilla stack ${stack}"]`,
      );
      const said = bar?.getAttribute('aria-label') ?? '';
      if (!total || Number(total[1]) !== ready || Number(total[2]) !== desired) {
        return `stack row ${total?.[0]} vs deployment rows ${ready}/${desired}`;
      }
      if (!said.includes(`${ready} of ${desired} replicas ready`)) {
        return `status item "${said}" vs ${ready}/${desired}`;
      }
      return undefined;
    }, STACK);
    assert.equal(problem, undefined);
  }

  it('shows the Flotilla views with the Up welcome while the stack is down; the status item reads as a sentence', async () => {
    await page.locator('.part.activitybar a.action-label[aria-label^="Flotilla"]').click();
    await page.getByText('The stack is not running.').waitFor({ timeout: 30_000 });
    const item = page.locator('.statusbar-item', { hasText: `${STACK}: down` });
    await item.waitFor();
    // The screen-reader label is a sentence, not "vm-outline shop: down".
    const label = await page.locator(`.statusbar-item-label[aria-label="Flotilla stack ${STACK} is down"]`).count();
    assert.equal(label, 1, await item.innerHTML());
    await widenSidebar(page, 640);
    await screenshot(page, '01-down-welcome');
  });

  it('runs Up: the tree shows the stack building, one row per image at its step, then every replica Ready', async () => {
    await recorded(page, { reset: true });
    await runCommand(page, 'Flotilla: Up');
    const building = treeItem(page, new RegExp(`^image ${STACK}/web \\d+/\\d+`));
    const failed = page.locator('.notifications-toasts .notification-toast .codicon-error');
    const ready = treeItem(page, new RegExp(`^stack ${STACK} up · (\\d+)/\\1 ready`));
    // A stack already Ready means the build went by unseen: say so now, with the rows shown.
    await building.or(failed).or(ready).first().waitFor({ timeout: UP_TIMEOUT });
    if (await failed.isVisible()) assert.fail(await page.locator('.notifications-toasts').innerText());
    if (await ready.isVisible()) {
      const rows = (await recorded(page)).rows.filter((r) => r.startsWith('image ') || r.startsWith('stack '));
      assert.fail(`the web image's build was never shown at a step; rows seen:\n${rows.join('\n')}`);
    }
    await treeItem(page, new RegExp(`^stack ${STACK} (building|starting)`)).waitFor();
    await screenshot(page, 'build-in-progress');
    // Ready, or fail at once with the error the extension showed.
    await ready.or(failed).first().waitFor({ timeout: UP_TIMEOUT });
    if (await failed.isVisible()) assert.fail(await page.locator('.notifications-toasts').innerText());
    await atLeast(treeItem(page, /^replica api-\S+ Ready/), 2, 10_000);
    await treeItem(page, /^replica web-\S+ Ready/).waitFor();
    await page.locator('.statusbar-item', { hasText: new RegExp(`${STACK}: up (\\d+)/\\1`) }).waitFor();
    await screenshot(page, '02-up-ready');
    upOk = true;
    const seen = await recorded(page);
    // The notification names the stack (as the status bar does) and shows steps, not raw build lines.
    assert.ok(
      seen.toasts.some((t) => t.includes(`Flotilla: starting ${STACK}`)),
      seen.toasts.join('\n'),
    );
    assert.ok(!seen.toasts.some((t) => /Step \d+\/\d+ :|--->/.test(t)), seen.toasts.join('\n'));
    // Every image had its row, with a step, while it built.
    for (const image of ['web', 'api', 'worker']) {
      assert.ok(
        seen.rows.some((r) => new RegExp(`^image ${STACK}/${image} (\\d+/\\d+|built|up to date)`).test(r)),
        `no build row for ${image}:\n${seen.rows.filter((r) => r.startsWith('image')).join('\n')}`,
      );
    }
  });

  it('a normal start-up raises no alarm: readiness failures before Ready are not warnings', async function () {
    needsUp(this);
    const text = log();
    assert.match(text, /Normal\s+Ready\s+replica\/api-/);
    const alarms = text.split('\n').filter((l) => /\[warning\].*Unhealthy.*Readiness probe failed/.test(l));
    assert.deepEqual(alarms, []);
    const seen = await recorded(page);
    assert.ok(!seen.toasts.some((t) => /Unhealthy|Readiness probe failed/.test(t)), seen.toasts.join('\n'));
  });

  it('counts agree: the stack row, each deployment and the status bar show the same snapshot', async function () {
    needsUp(this);
    await settledAndAgreeing();
  });

  it('three quick +1 clicks add three; the row shows a hand-scale badge beside the manifest count', async function () {
    needsUp(this);
    assert.equal(await treeItem(page, /^replica web-/).count(), 1);
    const before = count(/scale web by \+1/g);
    const row = treeItem(page, /^deployment web /);
    await row.hover();
    const plus = row.locator('a.action-label[aria-label="Scale +1"]');
    for (let i = 0; i < 3; i++) {
      await plus.click();
      await page.waitForTimeout(150); // a user's pace between clicks, not a wait for any state
    }
    await treeItem(page, /^deployment web 4\/4 ready · by hand \(manifest 1\)/).waitFor({ timeout: 120_000 });
    await atLeast(treeItem(page, /^replica web-\S+ Ready/), 4, 60_000);
    await eventually('three scale requests in the log', () => count(/scale web by \+1/g) - before === 3);
    await page.mouse.move(1200, 500);
    await screenshot(page, 'override-badge');
    await settledAndAgreeing();
  });

  it('Reset to Manifest takes web back to its manifest count', async function () {
    needsUp(this);
    const row = treeItem(page, /^deployment web /);
    await row.hover();
    await row.locator('a.action-label[aria-label="Reset to Manifest"]').click();
    await treeItem(page, /^deployment web 1\/1 ready$/).waitFor({ timeout: 120_000 });
    await eventually('one web replica', async () => (await treeItem(page, /^replica web-/).count()) === 1);
  });

  it('slow +1/−1 clicks while the tree updates: every click acts, none opens a quick pick', async function () {
    needsUp(this);
    await recorded(page, { reset: true });
    const before = count(/scale web by [+-]1/g);
    const row = treeItem(page, /^deployment web /);
    for (let i = 0; i < 8; i++) {
      await row.hover();
      await row.locator(`a.action-label[aria-label="${i % 2 ? 'Scale −1' : 'Scale +1'}"]`).click();
      await page.waitForTimeout(400); // a slow user's pace, while replicas start and stop
    }
    await eventually('eight scale requests in the log', () => count(/scale web by [+-]1/g) - before === 8);
    const seen = await recorded(page);
    assert.equal(seen.quickPicks, 0, 'a quick pick opened');
    assert.ok(!seen.toasts.some((t) => /being updated/.test(t)), seen.toasts.join('\n'));
    await treeItem(page, /^deployment web 1\/1 ready$/).waitFor({ timeout: 120_000 });
  });

  it('kills a replica after a confirmation and watches it heal', async function () {
    needsUp(this);
    const victim = treeItem(page, /^replica api-\S+ Ready/).first();
    const name = /^replica (\S+)/.exec(await victim.getAttribute('aria-label'))[1];
    await victim.hover();
    await victim.locator('a.action-label[aria-label="Kill Replica"]').click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: `Kill ${name}?` });
    await dialog.waitFor({ timeout: 30_000 });
    await screenshot(page, '04-kill-confirm');
    await dialog.getByRole('button', { name: 'Kill', exact: true }).click();
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

  it('runs a rolling restart from the context menu, with progress, until every replica is new; at 300 px the rollout stays visible', async function () {
    needsUp(this);
    await setSidebarWidth(page, 300);
    await recorded(page, { reset: true });
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
    await page.mouse.move(1200, 500); // no hover: inline actions would narrow the row
    // The rollout badge is on screen, whole, in a 300 px side bar.
    const shown = await page.waitForFunction(
      () => {
        const row = [...document.querySelectorAll('[role="treeitem"]')].find((e) =>
          /^deployment api \d+\/\d+ ready · rollout /.test(e.getAttribute('aria-label') ?? ''),
        );
        const label = row?.querySelector('.monaco-icon-label-container');
        const description = row?.querySelector('.label-description');
        if (!label || !description) return false;
        return { text: description.textContent, cut: label.scrollWidth > label.clientWidth + 1 };
      },
      undefined,
      { timeout: 60_000 },
    );
    const { text, cut } = await shown.jsonValue();
    await screenshot(page, 'tree-300px');
    assert.match(text, /rollout \d+\/\d+/);
    assert.equal(cut, false, `"${text}" is cut off at 300 px`);
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
    // The progress notification was shown (recorded however briefly it stayed) and is gone.
    await eventually(
      'the progress notification to go',
      async () =>
        (await page
          .locator('.notifications-toasts .notification-toast', { hasText: 'rolling restart of api' })
          .count()) === 0,
    );
    const seen = await recorded(page);
    assert.ok(
      seen.toasts.some((t) => t.includes('Flotilla: rolling restart of api')),
      seen.toasts.join('\n'),
    );
    await setSidebarWidth(page, 640);
    await settledAndAgreeing();
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

  it('follows the logs of a deployment, each line prefixed by its replica; timestamps on request', async function () {
    needsUp(this);
    const row = treeItem(page, /^deployment web /);
    await row.hover();
    await row.locator('a.action-label[aria-label="Follow Logs"]').click();
    await atLeast(
      page.locator('.part.panel .view-line', { hasText: /^\[web-\S+\]\s+web\s+listening\s+on\s+:8080/ }),
      1,
      60_000,
    );
    await screenshot(page, '04-logs');
    await runCommand(page, 'Flotilla: Toggle Log Timestamps');
    await page
      .locator('.part.panel .view-line', {
        hasText: /^\[web-\S+\]\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*\s+web\s+listening/,
      })
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(page, '04-logs-timestamps');
    await runCommand(page, 'Flotilla: Toggle Log Timestamps');
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

  it('lists the web Service URL in Endpoints, the URL answers, and Copy URL says it copied', async function () {
    needsUp(this);
    const url = treeItem(page, /^url web http:\/\/127\.0\.0\.1:\d+/);
    await url.waitFor();
    await atLeast(treeItem(page, /^endpoint web-\S+ \S+ · ready/), 1, 60_000);
    endpointUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(await url.getAttribute('aria-label'))[0];
    const res = await fetch(endpointUrl);
    assert.equal(res.status, 200, `${endpointUrl} answered ${res.status}`);
    await screenshot(page, '06-endpoints');
    await url.hover();
    await url.locator('a.action-label[aria-label="Copy URL"]').click();
    await page
      .locator('.notifications-toasts .notification-toast', { hasText: `Flotilla: copied ${endpointUrl}` })
      .waitFor({ timeout: 30_000 });
    // Open in Browser: a new tab shows the shop's page, served through the balancer.
    const tab = page.context().waitForEvent('page', { timeout: 30_000 });
    await url.hover();
    await url.locator('a.action-label[aria-label="Open in Browser"]').click();
    const opened = await tab;
    await opened.getByText(/served by .*catalog from/).waitFor({ timeout: 30_000 });
    await opened.close();
  });

  it('shows a diagnostic in the Problems panel for a broken manifest', async () => {
    const manifest = path.join(workspace, 'k8s', 'web.yaml');
    const original = fs.readFileSync(manifest, 'utf8');
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
    // Undo the break: the diagnostic goes away again. (The web workbench saves edits after a
    // second, so the file on disk must be whole again too before Up runs once more.)
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Z');
    await problem.waitFor({ state: 'detached', timeout: 60_000 });
    await eventually('web.yaml whole again on disk', () => fs.readFileSync(manifest, 'utf8') === original, 30_000);
    await runCommand(page, 'View: Close All Editors');
  });

  it('runs Down: the views return to the welcome content and the graph says the stack is not running', async function () {
    needsUp(this);
    // A hand scale first: Down must not let it survive (next test).
    const row = treeItem(page, /^deployment web /);
    await row.hover();
    await row.locator('a.action-label[aria-label="Scale +1"]').click();
    await treeItem(page, /^deployment web 2\/2 ready · by hand \(manifest 1\)/).waitFor({ timeout: 120_000 });
    await runCommand(page, 'Flotilla: Show Topology Graph');
    const graph = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await graph.locator('g.node[data-id="deployment/web"]').waitFor({ timeout: 30_000 });
    // Record, inside the page, every moment it shows neither a graph nor the "not running" text.
    await watchGraph(graph);
    await runCommand(page, 'Flotilla: Down');
    await page.getByText('The stack is not running.').waitFor({ timeout: 120_000 });
    await page.locator('.statusbar-item', { hasText: `${STACK}: down` }).waitFor();
    await graph.getByText('The stack is not running').waitFor({ timeout: 30_000 });
    const seen = await graphSeen(graph);
    assert.deepEqual(seen.problems, [], `the graph page showed: ${seen.states.join(', ')}`);
    await assert.rejects(fetch(endpointUrl), 'the Service URL still answers after Down');
    await screenshot(page, '08-down-again');
    await runCommand(page, 'View: Close All Editors');
  });

  it('a hand scale does not survive Down: Up again runs the manifest count, with no badge', async function () {
    needsUp(this);
    await runCommand(page, 'Flotilla: Up');
    await settledAndAgreeing();
    await treeItem(page, /^deployment web 1\/1 ready$/).waitFor();
    assert.equal(await treeItem(page, /^replica web-/).count(), 1);
  });

  it('the graph hidden behind a manifest during Down, shown again, says at once the stack is not running: never blank, never reloaded', async function () {
    needsUp(this);
    await runCommand(page, 'Flotilla: Show Topology Graph');
    const graph = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await graph.locator('g.node[data-id="deployment/web"]').waitFor({ timeout: 30_000 });
    await watchGraph(graph);
    // Quick Open puts web.yaml in the graph's editor group, in front of the graph's tab.
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('web.yaml');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'web.yaml' }).first().click();
    const tabs = page.locator('.tabs-container .tab');
    await tabs.filter({ hasText: 'web.yaml' }).and(page.locator('.tab.active')).waitFor();
    assert.equal(await tabs.filter({ hasText: 'Flotilla Topology' }).count(), 1, 'the graph is not in the same group');
    await runCommand(page, 'Flotilla: Down');
    await page.getByText('The stack is not running.').waitFor({ timeout: 120_000 });
    await tabs.filter({ hasText: 'Flotilla Topology' }).click();
    await graph.getByText('The stack is not running').waitFor({ timeout: 30_000 });
    await screenshot(page, '09-graph-shown-after-down');
    const seen = await graphSeen(graph);
    assert.deepEqual(seen.problems, [], `the graph page showed: ${seen.states.join(', ')}`);
    await runCommand(page, 'View: Close All Editors');
  });
});
