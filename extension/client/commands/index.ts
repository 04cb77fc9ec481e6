// Registers every Flotilla command; each factory receives the ready Ctx.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { GraphPanel } from '../graph/panel';
import { createStackFile, down, up } from './lifecycle';
import { copyUrl, openEndpoint, openManifest } from './navigate';
import { killReplica, LogFollowers, restartReplica, rollingRestart, scaleBy, scaleTo, shell } from './workload';

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  const logs = new LogFollowers(ctx);
  // Commands receive whatever VS Code passes (tree element, URI or nothing); each handler checks it.
  const reg = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    logs,
    reg('flotilla.up', () => up(ctx)),
    reg('flotilla.down', () => down(ctx)),
    reg('flotilla.scale', (node?, value?: number) => scaleTo(ctx, node, value)),
    reg('flotilla.scaleUp', (node?) => scaleBy(ctx, node, +1)),
    reg('flotilla.scaleDown', (node?) => scaleBy(ctx, node, -1)),
    reg('flotilla.rollingRestart', (node?) => rollingRestart(ctx, node)),
    reg('flotilla.restartReplica', (node?) => restartReplica(ctx, node)),
    reg('flotilla.killReplica', (node?) => killReplica(ctx, node)),
    reg('flotilla.logs', (node?) => logs.follow(node)),
    reg('flotilla.shell', (node?) => shell(ctx, node)),
    reg('flotilla.openEndpoint', (node?) => openEndpoint(ctx, node)),
    reg('flotilla.copyUrl', (node?) => copyUrl(ctx, node)),
    reg('flotilla.openManifest', (node?) => openManifest(ctx, node)),
    reg('flotilla.showGraph', () => GraphPanel.show(ctx)),
    reg('flotilla.createStackFile', () => createStackFile(ctx)),
    reg('flotilla.refresh', async () => {
      await ctx.session?.attach();
      ctx.topology.refresh();
      ctx.endpoints.refresh();
    }),
    reg('flotilla.showOutput', () => ctx.log.show()),
  ];
}
