// Notifications the extension shows without waiting for them. A message's promise settles
// only when the user dismisses it, so commands never await one unless they need the answer.
import * as vscode from 'vscode';

export function inform(message: string): void {
  vscode.window.showInformationMessage(message).then(undefined, ignore);
}

export function warn(message: string): void {
  vscode.window.showWarningMessage(message).then(undefined, ignore);
}

/** An error, with actions run when picked (e.g. "Show Output"). */
export function fail(message: string, actions: Record<string, () => unknown> = {}): void {
  vscode.window.showErrorMessage(message, ...Object.keys(actions)).then((pick) => pick && actions[pick]?.(), ignore);
}

/** Sets a `when`-clause context key. */
export function setContext(key: string, value: unknown): void {
  vscode.commands.executeCommand('setContext', key, value).then(undefined, ignore);
}

function ignore(): void {
  // The workbench went away while showing it: nothing is left to tell.
}
