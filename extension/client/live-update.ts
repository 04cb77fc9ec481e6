// Live update in the editor: each sync the controller reports shows for a few seconds in the
// status bar; a sync that fell back to rebuild and roll goes to the output channel as an error.
import * as vscode from 'vscode';
import { liveUpdateNotice, NOTICE_MS } from './live-update-notice';
import type { StackSession } from './session';

export function showLiveUpdates(session: StackSession, log: vscode.LogOutputChannel): vscode.Disposable {
  let shown: vscode.Disposable | undefined;
  const sub = session.onDidReceiveEvent((e) => {
    const notice = liveUpdateNotice(e);
    if (!notice) return;
    shown?.dispose();
    shown = vscode.window.setStatusBarMessage(notice.status, NOTICE_MS);
    if (notice.error) log.error(notice.error);
  });
  return new vscode.Disposable(() => {
    sub.dispose();
    shown?.dispose();
  });
}
