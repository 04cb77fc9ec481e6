// Registers every Flotilla command; each factory receives the ready Ctx. Intents that need
// the controller go through requiresSession, which says so when none runs. Commands shown
// on tree rows go through `onRow`: a click on a row that was refreshed away gets a clear
// message, never a quick pick (see row-arg.ts).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { EngineConnection } from '../engine-link';
import { fail, warn } from '../notify';
import { createStackFile, down, up } from './lifecycle';
import { copyUrl, openEndpoint, openManifest } from './navigate';
import { requiresSession } from './require-session';
import { invocation, ROW_LOST, rowDeployment, type RowNode } from './row-arg';
import {
  followLogs,
  killReplica,
  resetScale,
  restartReplica,
  rollingRestart,
  scaleBy,
  scaleTo,
  shell,
  toggleLogTimestamps,
} from './workload';

type Node = RowNode | string;

const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);

export function registerCommands(ctx: Ctx): vscode.Disposable[] {
  return [
    reg('flotilla.up', () => up(ctx)),
    reg('flotilla.down', () => down(ctx)),
    ...intentCommands(ctx),
    reg(
      'flotilla.logs',
      onRow((node) => followLogs(ctx, node)),
    ),
    reg('flotilla.toggleLogTimestamps', () => toggleLogTimestamps(ctx)),
    reg(
      'flotilla.shell',
      onRow((node) => shell(ctx, node)),
    ),
    reg(
      'flotilla.openEndpoint',
      onRow((node) => openEndpoint(ctx, node)),
    ),
    reg(
      'flotilla.copyUrl',
      onRow((node) => copyUrl(ctx, node)),
    ),
    reg(
      'flotilla.openManifest',
      onRow((node) => openManifest(ctx, node)),
    ),
    reg('flotilla.showGraph', () => ctx.showGraph()),
    reg('flotilla.createStackFile', () => createStackFile(ctx)),
    reg('flotilla.refresh', async () => {
      await ctx.session?.attach();
      ctx.views.commit();
    }),
    reg('flotilla.showOutput', () => ctx.log.show()),
  ];
}

/** Intents the running controller carries out: scale, reset, restarts, kill. */
function intentCommands(ctx: Ctx): vscode.Disposable[] {
  const live = <A extends unknown[], R>(fn: (conn: EngineConnection, ...args: A) => Promise<R>) =>
    requiresSession(ctx, fn);
  /**
   * +1 / −1 live only on deployment rows (the palette hides them), so they never ask which
   * deployment: without a row they act on the deployment selected in Topology, or say why not.
   */
  const scaleStep = (delta: number) =>
    onRow(
      live(async (conn, node?: Node) => {
        const deployment = rowDeployment(node) ?? selectedDeployment(ctx);
        if (deployment) await scaleBy(ctx, conn, deployment, delta);
        else fail(`Flotilla: Scale ${delta > 0 ? '+1' : '−1'} acts on a deployment: select one in Topology first.`);
      }),
    );
  const reset = live(async (conn, node?: Node) => {
    const deployment = rowDeployment(node) ?? (await pickScaledByHand(ctx));
    if (deployment) await resetScale(ctx, conn, deployment);
  });
  return [
    reg(
      'flotilla.scale',
      onRow(live((conn, node?: Node, value?: unknown) => scaleTo(ctx, conn, node, asNumber(value)))),
    ),
    reg('flotilla.scaleUp', scaleStep(+1)),
    reg('flotilla.scaleDown', scaleStep(-1)),
    reg('flotilla.resetScale', onRow(reset)),
    reg('flotilla.rollingRestart', onRow(live((conn, node?: Node) => rollingRestart(ctx, conn, node)))),
    reg('flotilla.restartReplica', onRow(live((conn, node?: Node) => restartReplica(ctx, conn, node)))),
    reg('flotilla.killReplica', onRow(live((conn, node?: Node) => killReplica(ctx, conn, node)))),
  ];
}

/** A command on a row, or from the palette (no row: it asks). A click on a lost row is told so. */
function onRow<R>(fn: (node?: Node, ...rest: unknown[]) => R): (...args: unknown[]) => R | undefined {
  return (...args) => {
    const how = invocation(args);
    if (how.from === 'lost') {
      warn(ROW_LOST);
      return undefined;
    }
    return fn(how.from === 'row' ? how.node : undefined, ...args.slice(1));
  };
}

function asNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** The deployment of the one row selected in Topology, if any. */
function selectedDeployment(ctx: Ctx): string | undefined {
  const selected = ctx.topologyView.selection;
  return selected.length === 1 ? rowDeployment(selected[0]) : undefined;
}

async function pickScaledByHand(ctx: Ctx): Promise<string | undefined> {
  const items = (ctx.status?.deployments ?? []).flatMap((d) =>
    d.scaledByHand
      ? [
          {
            label: d.name,
            description: `by hand: ${d.scaledByHand.replicas}, manifest: ${d.scaledByHand.manifestReplicas}`,
          },
        ]
      : [],
  );
  if (!items.length) {
    warn('Flotilla: no deployment is scaled by hand.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder: 'Deployment to reset to its manifest' }))?.label;
}
