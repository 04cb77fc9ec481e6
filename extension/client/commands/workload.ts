// Intents on deployments and replicas: scale, rolling restart, restart and kill a
// replica, follow logs, open a shell. Each resolves its target from the tree node it was
// invoked on, or asks with a quick pick when run from the palette.
import * as vscode from 'vscode';
import type { DeploymentStatus, ReplicaStatus } from '../../engine/api/protocol';
import { Cancelled } from '../../engine/util/errors';
import type { Ctx } from '../ctx';
import type { EngineConnection } from '../engine-link';
import { inform, warn } from '../notify';
import { NOT_RUNNING, send } from './require-session';
import { rowDeployment, type RowNode } from './row-arg';
import { waitForStatus } from './wait';

export async function pickDeployment(ctx: Ctx, node?: RowNode | string): Promise<DeploymentStatus | undefined> {
  const deployments = ctx.status?.deployments ?? [];
  const name = rowDeployment(node);
  if (name) return deployments.find((d) => d.name === name);
  if (!deployments.length) {
    inform(NOT_RUNNING);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    deployments.map((d) => ({ label: d.name, description: `${d.ready}/${d.desired} ready`, d })),
    { placeHolder: 'Deployment' },
  );
  return pick?.d;
}

export async function pickReplica(ctx: Ctx, node?: RowNode | string): Promise<ReplicaStatus | undefined> {
  const all = (ctx.status?.deployments ?? []).flatMap((d) => d.replicas);
  const name = typeof node === 'string' ? node : node?.kind === 'replica' ? node.replica : undefined;
  if (name) return all.find((r) => r.name === name);
  const pool =
    typeof node === 'object' && node.kind === 'deployment'
      ? all.filter((r) => r.name.startsWith(`${node.deployment}-`))
      : all;
  const pick = await vscode.window.showQuickPick(
    pool.map((r) => ({ label: r.name, description: `${r.state}${r.ready ? ', Ready' : ''}`, r })),
    { placeHolder: 'Replica' },
  );
  return pick?.r;
}

/**
 * +1 / −1 on a deployment: a delta the controller applies in order, so quick clicks add up.
 * The Topology row shows the count they lead to until the controller has answered.
 */
export async function scaleBy(ctx: Ctx, conn: EngineConnection, deployment: string, delta: number): Promise<void> {
  if (!ctx.status?.deployments.some((d) => d.name === deployment)) {
    warn(`Flotilla: no deployment ${deployment} in the running stack.`);
    return;
  }
  const answered = ctx.views.pendingScale.begin(deployment, delta);
  ctx.views.render();
  const what = `scale ${deployment} by ${delta > 0 ? `+${delta}` : delta}`;
  let replicas: number | undefined;
  try {
    const res = await ctx.views.pendingScale.inOrder(deployment, () =>
      send(ctx, conn, what, '/v1/scale', { deployment, delta }),
    );
    replicas = res?.ok ? res.replicas : undefined;
  } finally {
    answered(replicas);
    ctx.views.render();
  }
}

/** Reset to Manifest: drops the hand scale, back to the manifest's replicas. */
export async function resetScale(ctx: Ctx, conn: EngineConnection, deployment: string): Promise<void> {
  await send(ctx, conn, `reset ${deployment} to its manifest`, '/v1/scale', { deployment, reset: true });
}

export async function scaleTo(
  ctx: Ctx,
  conn: EngineConnection,
  node?: RowNode | string,
  value?: number,
): Promise<void> {
  const d = await pickDeployment(ctx, node);
  if (!d) return;
  let replicas = value;
  if (replicas === undefined) {
    const input = await vscode.window.showInputBox({
      title: `Scale ${d.name}`,
      value: String(d.desired),
      prompt: d.hpa
        ? `An HPA (${d.hpa.minReplicas}–${d.hpa.maxReplicas}) also scales this deployment.`
        : 'Number of replicas',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) <= 100 ? undefined : 'A whole number from 0 to 100'),
    });
    if (input === undefined) return;
    replicas = Number(input.trim());
  }
  await send(ctx, conn, `scale ${d.name} to ${replicas}`, '/v1/scale', { deployment: d.name, replicas });
}

/** Rolling restart with progress until every old replica is replaced and all are Ready. */
export async function rollingRestart(ctx: Ctx, conn: EngineConnection, node?: RowNode | string): Promise<void> {
  const d = await pickDeployment(ctx, node);
  if (!d) return;
  const old = new Set(d.replicas.map((r) => r.name));
  const res = await send(ctx, conn, `rolling restart of ${d.name}`, '/v1/restart', { deployment: d.name });
  if (!res?.ok) return;
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Flotilla: rolling restart of ${d.name}`,
      cancellable: true,
    },
    async (progress, token) => {
      try {
        await waitForStatus(ctx, token, (s) => {
          const now = s?.deployments.find((x) => x.name === d.name);
          if (!now) return true;
          const replaced = now.replicas.filter((r) => !old.has(r.name)).length;
          progress.report({ message: `${replaced} of ${now.desired} replaced, ${now.ready} ready` });
          return now.replicas.every((r) => !old.has(r.name)) && now.ready >= now.desired;
        });
      } catch (err) {
        if (!(err instanceof Cancelled)) throw err;
        ctx.log.info('stopped watching the rollout; it continues in the controller');
      }
    },
  );
}

export async function restartReplica(ctx: Ctx, conn: EngineConnection, node?: RowNode | string): Promise<void> {
  const r = await pickReplica(ctx, node);
  if (r) await send(ctx, conn, `restart ${r.name}`, '/v1/replica/restart', { replica: r.name });
}

const KILL = 'Kill';
const KILL_ALWAYS = "Kill, Don't Ask Again";

/** SIGKILL, after a confirmation unless `flotilla.confirm.kill` is off. */
export async function killReplica(ctx: Ctx, conn: EngineConnection, node?: RowNode | string): Promise<void> {
  const r = await pickReplica(ctx, node);
  if (!r) return;
  if (ctx.config.current.confirmKill) {
    const pick = await vscode.window.showWarningMessage(
      `Kill ${r.name}? Its container gets SIGKILL at once; the controller restarts it.`,
      { modal: true },
      KILL,
      KILL_ALWAYS,
    );
    if (pick === undefined) return;
    if (pick === KILL_ALWAYS) await ctx.config.setConfirmKill(false);
  }
  await send(ctx, conn, `kill ${r.name}`, '/v1/replica/kill', { replica: r.name });
}

/** Follows the logs of a replica or a whole deployment in an output channel. */
export async function followLogs(ctx: Ctx, node?: RowNode | string): Promise<void> {
  const target =
    typeof node === 'string'
      ? node
      : node?.kind === 'replica'
        ? node.replica
        : node?.kind === 'deployment'
          ? node.deployment
          : (await pickDeployment(ctx, node))?.name;
  if (target) ctx.logs.follow(target);
}

/** Turns timestamps on log lines on or off; open log channels follow again with the new setting. */
export async function toggleLogTimestamps(ctx: Ctx): Promise<void> {
  const on = !ctx.config.current.logTimestamps;
  await ctx.config.setLogTimestamps(on);
  inform(`Flotilla: log lines ${on ? 'now start with their timestamp' : 'no longer show timestamps'}.`);
}

/** `docker exec -it` in a terminal, on the Docker engine the controller uses. */
export async function shell(ctx: Ctx, node?: RowNode | string): Promise<vscode.Terminal | undefined> {
  const r = await pickReplica(ctx, node);
  if (!r) return undefined;
  if (!r.container) {
    warn(`${r.name} has no container yet (${r.state}).`);
    return undefined;
  }
  const host = ctx.engineEnv().DOCKER_HOST;
  const terminal = vscode.window.createTerminal({
    name: `Flotilla: ${r.name}`,
    shellPath: 'docker',
    shellArgs: ['exec', '-it', r.container, 'sh'],
    env: host ? { DOCKER_HOST: host } : {},
    iconPath: new vscode.ThemeIcon('terminal'),
  });
  terminal.show();
  return terminal;
}
