// Registers every Flotilla command; each factory receives the ready Ctx. Intents that need
// the controller go through requiresSession, which says so when none runs.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { EngineConnection } from '../engine-link';
import type { TopologyNode } from '../views/topology';
import { createStackFile, down, up } from './lifecycle';
import { copyUrl, openEndpoint, openManifest } from './navigate';
import { requiresSession } from './require-session';
import { followLogs, killReplica, restartReplica, rollingRestart, scaleBy, scaleTo, shell } from './workload';

/** What a tree row passes (a palette run passes nothing; tests pass names). */
type Node = TopologyNode | string;

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  // Commands receive whatever VS Code passes (tree element, URI or nothing); each handler checks it.
  const reg = (id: string, fn: (...args: never[]) => unknown) => vscode.commands.registerCommand(id, fn);
  const live = <A extends unknown[], R>(fn: (conn: EngineConnection, ...args: A) => Promise<R>) =>
    requiresSession(ctx, fn);
  return [
    reg('flotilla.up', () => up(ctx)),
    reg('flotilla.down', () => down(ctx)),
    reg(
      'flotilla.scale',
      live((conn, node?: Node, value?: number) => scaleTo(ctx, conn, node, value)),
    ),
    reg(
      'flotilla.scaleUp',
      live((conn, node?: Node) => scaleBy(ctx, conn, node, +1)),
    ),
    reg(
      'flotilla.scaleDown',
      live((conn, node?: Node) => scaleBy(ctx, conn, node, -1)),
    ),
    reg(
      'flotilla.rollingRestart',
      live((conn, node?: Node) => rollingRestart(ctx, conn, node)),
    ),
    reg(
      'flotilla.restartReplica',
      live((conn, node?: Node) => restartReplica(ctx, conn, node)),
    ),
    reg(
      'flotilla.killReplica',
      live((conn, node?: Node) => killReplica(ctx, conn, node)),
    ),
    reg('flotilla.logs', (node?) => followLogs(ctx, node)),
    reg('flotilla.shell', (node?) => shell(ctx, node)),
    reg('flotilla.openEndpoint', (node?) => openEndpoint(ctx, node)),
    reg('flotilla.copyUrl', (node?) => copyUrl(ctx, node)),
    reg('flotilla.openManifest', (node?) => openManifest(ctx, node)),
    reg('flotilla.showGraph', () => ctx.showGraph()),
    reg('flotilla.createStackFile', () => createStackFile(ctx)),
    reg('flotilla.refresh', async () => {
      await ctx.session?.attach();
      ctx.topology.refresh();
      ctx.endpoints.refresh();
    }),
    reg('flotilla.showOutput', () => ctx.log.show()),
  ];
}
