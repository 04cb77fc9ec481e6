// Waits for a condition on the pushed StackStatus, under a cancellation token. Long
// operations (up, down, rollout) report progress from engine events while they wait.
import * as vscode from 'vscode';
import type { EngineEvent, StackStatus } from '../../engine/api/protocol';
import { Cancelled } from '../../engine/util/errors';
import type { Ctx } from '../ctx';

/**
 * Resolves with the first status for which `done` returns true (checked at once and on
 * every change). Rejects with Cancelled on cancellation, or with `fail`'s message.
 */
export function waitForStatus(
  ctx: Ctx,
  token: vscode.CancellationToken,
  done: (s: StackStatus | undefined) => boolean,
  fail?: vscode.Event<string>,
): Promise<StackStatus | undefined> {
  return new Promise((resolve, reject) => {
    const subs: vscode.Disposable[] = [];
    const finish = (f: () => void) => {
      subs.forEach((d) => d.dispose());
      f();
    };
    const check = (s: StackStatus | undefined) => {
      if (done(s)) finish(() => resolve(s));
    };
    subs.push(
      ctx.onDidChangeStatus(check),
      token.onCancellationRequested(() => finish(() => reject(new Cancelled()))),
    );
    if (fail) subs.push(fail((msg) => finish(() => reject(new Error(msg)))));
    check(ctx.status);
  });
}

/** Shows engine events as the progress message while `run` works. */
export function reportEvents(ctx: Ctx, progress: vscode.Progress<{ message?: string }>): vscode.Disposable {
  const show = (e: EngineEvent) => progress.report({ message: `${e.reason} ${e.object}` });
  return ctx.session?.onDidReceiveEvent(show) ?? new vscode.Disposable(() => undefined);
}

export function allReady(s: StackStatus | undefined): boolean {
  return (
    !!s &&
    s.controller.running &&
    s.deployments.length > 0 &&
    s.deployments.every((d) => d.ready >= d.desired) &&
    s.pending.length === 0
  );
}
