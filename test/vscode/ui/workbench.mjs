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
