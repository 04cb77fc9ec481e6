// Playwright helpers for the VS Code workbench served by code-server. Selectors are the
// ones that held on 1.100 (see docs/environment.md); every wait is on a condition.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../../extension/scripts/code-server.mjs';

export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'vscode');

export async function openWorkbench(page, url) {
  await page.goto(url);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
}

/**
 * F1, type the command's label, pick the exact row. With `picker`, the command opens a
 * quick pick of its own, so the widget stays up: the caller waits for its rows instead.
 */
export async function runCommand(page, label, { picker = false } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${label}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor();
  await row.click();
  if (!picker) await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Let toasts finish fading in so the picture shows what a user saw.
  const toasts = page.locator('.notifications-toasts .notification-toast:not(.notification-fade-in-done)');
  if ((await toasts.count()) > 0) {
    await toasts
      .first()
      .waitFor({ state: 'detached', timeout: 2000 })
      .catch(() => undefined);
  }
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export function treeItem(page, name) {
  return page.getByRole('treeitem', { name });
}

/** Waits until at least `n` elements match. */
export async function atLeast(locator, n, timeout) {
  await locator.nth(n - 1).waitFor({ timeout });
}

/** Drags the side bar's sash so tree descriptions are readable in screenshots. */
export async function widenSidebar(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const edge = box.x + box.width;
  await page.mouse.move(edge + 1, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + width, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
}

/** Drags the side bar's sash to exactly `width` pixels (narrower or wider). */
export async function setSidebarWidth(page, width) {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box) return;
  const edge = box.x + box.width;
  await page.mouse.move(edge + 1, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + width, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
}

/**
 * Records what the page shows, however briefly: every tree row label, every notification's
 * text, every modal dialog, and whether a quick pick ever opened. A toast that comes and goes
 * between two polls is still seen.
 */
export async function startRecording(page) {
  await page.evaluate(() => {
    const seen = { rows: new Set(), toasts: new Set(), dialogs: new Set(), quickPicks: 0 };
    let quickOpen = false;
    const scan = () => {
      for (const el of document.querySelectorAll('[role="treeitem"]')) {
        const label = el.getAttribute('aria-label');
        if (label) seen.rows.add(label);
      }
      for (const el of document.querySelectorAll('.notifications-toasts .notification-toast')) {
        if (el.textContent) seen.toasts.add(el.textContent);
      }
      for (const el of document.querySelectorAll('.monaco-dialog-box')) {
        if (el.textContent) seen.dialogs.add(el.textContent);
      }
      const widget = document.querySelector('.quick-input-widget');
      const open = !!widget && getComputedStyle(widget).display !== 'none';
      if (open && !quickOpen) seen.quickPicks++;
      quickOpen = open;
    };
    new MutationObserver(scan).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['aria-label', 'style', 'class'],
      characterData: true,
    });
    Reflect.set(window, '__flotillaSeen', seen);
  });
}

/** What the recording saw so far (see startRecording); `reset` starts it over. */
export async function recorded(page, { reset = false } = {}) {
  return page.evaluate((again) => {
    const seen = Reflect.get(window, '__flotillaSeen');
    const out = {
      rows: [...seen.rows],
      toasts: [...seen.toasts],
      dialogs: [...seen.dialogs],
      quickPicks: seen.quickPicks,
    };
    if (again) {
      seen.rows.clear();
      seen.toasts.clear();
      seen.dialogs.clear();
      seen.quickPicks = 0;
    }
    return out;
  }, reset);
}

/** The extension's Output channel ("Flotilla") as written to its log file in the run folder. */
export function flotillaLog(runDir, channel = 'Flotilla') {
  const logs = path.join(runDir, 'user-data', 'logs');
  if (!fs.existsSync(logs)) return '';
  const found = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === `${channel}.log` || e.name.endsWith(`-${channel}.log`)) found.push(p);
    }
  };
  walk(logs);
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/**
 * Records what the topology graph page shows, however briefly: the graph, the "not running"
 * text, or neither (blank). It samples on every animation frame, every 50 ms and after every
 * DOM change, so a blank that lasts one painted frame is seen even when graph.js makes and
 * clears it in separate tasks. It keeps only the changes, in a window property: it never
 * writes to the page it watches, so it cannot wake its own observer. `root` is the page's
 * frame (a FrameLocator) or any Playwright object with `locator()`.
 */
export async function watchGraph(root) {
  await root.locator('body').evaluate((body) => {
    const started = performance.now();
    const seen = { states: [], blankMs: 0 };
    let last;
    let since = 0;
    const shows = () => {
      if (body.querySelector('#graph g.node')) return 'graph';
      const text = body.querySelector('#empty');
      return text && text.getClientRects().length > 0 ? 'text' : 'blank';
    };
    const note = () => {
      const now = performance.now();
      const state = shows();
      if (last === 'blank') seen.blankMs = Math.max(seen.blankMs, Math.round(now - since));
      if (state === last) return;
      seen.states.push({ state, at: Math.round(now - started) });
      last = state;
      since = now;
    };
    note();
    new MutationObserver(note).observe(body, { subtree: true, childList: true, attributes: true });
    setInterval(note, 50);
    const frame = () => {
      note();
      window.requestAnimationFrame(frame);
    };
    window.requestAnimationFrame(frame);
    Reflect.set(window, '__flotillaGraphSeen', seen);
  });
}

/**
 * What watchGraph saw, as `states` (each change, with its time) and `problems`: the page went
 * blank, a graph came back after the "not running" text, or the page reloaded (a reload loses
 * the recording, and a reloading webview is blank until its script has run).
 */
export async function graphSeen(root) {
  const seen = await root.locator('body').evaluate(() => Reflect.get(window, '__flotillaGraphSeen') ?? null);
  if (!seen) return { states: [], problems: ['the graph page reloaded (blank while it loaded)'] };
  const problems = [];
  const states = seen.states.map((s) => s.state);
  if (states.includes('blank')) problems.push(`the graph went blank (for up to ${seen.blankMs} ms)`);
  const text = states.indexOf('text');
  if (text >= 0 && states.indexOf('graph', text) > text) {
    problems.push('a graph came back after the "not running" text');
  }
  return { states: seen.states.map((s) => `${s.state} at ${s.at} ms`), problems };
}
