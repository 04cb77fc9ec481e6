// Entry point, kept thin: build the Ctx, register commands, start the language client.
// Activation makes no Docker call; the first one happens when the user runs Up.
import * as vscode from 'vscode';
import { registerCommands } from './commands/index';
import { Ctx } from './ctx';
import { engineApi } from './engine-api';
import { GraphPanel } from './graph/panel';
import { startLanguageClient } from './language-client';

/** What activate() returns: used by the extension-host tests. */
export interface FlotillaApi {
  ctx: Ctx;
  graph: () => GraphPanel | undefined;
  languageClientReady: Promise<unknown>;
}

export async function activate(context: vscode.ExtensionContext): Promise<FlotillaApi> {
  const ctx = new Ctx(context, engineApi);
  context.subscriptions.push(ctx, ...registerCommands(ctx));
  // Language features work in restricted mode: the server only reads files.
  const languageClientReady = startLanguageClient(context, ctx.log).catch((err) => {
    ctx.log.error(`language server failed to start: ${String(err)}`);
  });
  await ctx.init();
  return { ctx, graph: () => GraphPanel.current, languageClientReady };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the language client stops with it.
}
