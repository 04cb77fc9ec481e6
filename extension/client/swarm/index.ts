// The swarm target in the editor: the Swarm view and its commands (Deploy to Swarm…, Refresh Swarm).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { deployToSwarm, rememberedTarget, type SwarmTarget } from './deploy-command';
import { SwarmView } from './view';

/** The Swarm view (tests read its rows) and what to dispose with the extension. */
export function registerSwarm(ctx: Ctx): { view: SwarmView; disposables: vscode.Disposable[] } {
  const view = new SwarmView(ctx);
  const tree = vscode.window.createTreeView('flotilla.swarm', { treeDataProvider: view });
  const disposables = [
    view,
    tree,
    // Tests pass the target; from the palette the command asks for it.
    vscode.commands.registerCommand('flotilla.deployToSwarm', (preset?: Partial<SwarmTarget>) =>
      deployToSwarm(ctx, view, preset),
    ),
    vscode.commands.registerCommand('flotilla.refreshSwarm', async () => {
      const saved = rememberedTarget(ctx);
      const dir = ctx.location?.dir;
      return saved.host && dir ? view.load({ host: saved.host, stackDir: dir }) : view.load();
    }),
  ];
  return { view, disposables };
}
