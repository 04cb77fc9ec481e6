// Entry point, kept thin: build the Ctx (which owns everything), register commands, start
// the language client. Activation makes no Docker call; the first one happens on Up.
import * as vscode from 'vscode';
import { registerCommands } from './commands/index';
import { registerSwarm } from './swarm';
import type { SwarmView } from './swarm/view';
import { errorMessage } from '../engine/util/errors';
import { Ctx } from './ctx';
import { engineApi } from './engine-api';
import type { GraphPanel } from './graph/panel';

/** What activate() returns: used by the extension-host tests. */
export interface FlotillaApi {
  ctx: Ctx;
  graph: () => GraphPanel | undefined;
  languageClientReady: Promise<unknown>;
  /** The Swarm view: the last swarm deployment's replicas by node. */
  swarm: SwarmView;
}

export async function activate(context: vscode.ExtensionContext): Promise<FlotillaApi> {
  const ctx = new Ctx(context, engineApi);
  const swarm = registerSwarm(ctx);
  context.subscriptions.push(ctx, ...registerCommands(ctx), ...swarm.disposables);
  // Language features work in restricted mode: the server only reads files.
  const languageClientReady = ctx.startLanguageClient().catch((err: unknown) => {
    ctx.log.error(`language server failed to start: ${errorMessage(err)}`);
  });
  await ctx.init();
  return { ctx, graph: () => ctx.graph, languageClientReady, swarm: swarm.view };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; the language client stops with the Ctx.
}
