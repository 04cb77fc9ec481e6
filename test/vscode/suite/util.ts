// Helpers for extension-host tests: the activated API and event-driven waiting.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FlotillaApi } from '../../../extension/client/extension';
import type { StackStatus } from '../../../extension/engine/api/protocol';

export const EXTENSION_ID = 'flotilla.flotilla';

export async function flotilla(): Promise<FlotillaApi> {
  const ext = vscode.extensions.getExtension<FlotillaApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the example workspace open');
  return folder.uri.fsPath;
}

/**
 * Resolves once `check` returns a value other than undefined, re-checking whenever one of
 * `events` fires. The mocha timeout bounds the wait; no sleeping.
 */
export function until<T>(check: () => T | undefined, ...events: vscode.Event<unknown>[]): Promise<T> {
  return new Promise((resolve) => {
    const first = check();
    if (first !== undefined) return resolve(first);
    const subs = events.map((e) =>
      e(() => {
        const v = check();
        if (v !== undefined) {
          subs.forEach((d) => d.dispose());
          resolve(v);
        }
      }),
    );
  });
}

/** Pushes a snapshot through a scripted engine and waits until every view shows it. */
export async function showStatus(engine: { push(s: StackStatus): void }, status: StackStatus): Promise<void> {
  const { ctx } = await flotilla();
  engine.push(status);
  await until(() => (ctx.status === status ? true : undefined), ctx.onDidChangeStatus);
}
