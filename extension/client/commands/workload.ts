// Intents on deployments and replicas: scale, rolling restart, restart and kill a
// replica, follow logs, open a shell. Each resolves its target from the tree node it was
// invoked on, or asks with a quick pick when run from the palette.
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import type { DeploymentStatus, ReplicaStatus } from '../../engine/api/protocol';
import { engineEnv, readConfig } from '../config';
import type { Ctx } from '../ctx';
import type { TopologyNode } from '../views/topology';
import { Cancelled, waitForStatus } from './wait';

export async function pickDeployment(ctx: Ctx, node?: TopologyNode | string): Promise<DeploymentStatus | undefined> {
  const deployments = ctx.session?.status?.deployments ?? [];
  const name = typeof node === 'string' ? node : node && node.kind !== 'stack' ? node.deployment : undefined;
  if (name) return deployments.find((d) => d.name === name);
  if (!deployments.length) {
    void vscode.window.showInformationMessage('The stack is not running: run Flotilla: Up first.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    deployments.map((d) => ({ label: d.name, description: `${d.ready}/${d.desired} ready`, d })),
    { placeHolder: 'Deployment' },
  );
  return pick?.d;
}

export async function pickReplica(ctx: Ctx, node?: TopologyNode | string): Promise<ReplicaStatus | undefined> {
  const all = (ctx.session?.status?.deployments ?? []).flatMap((d) => d.replicas);
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

async function post<T>(ctx: Ctx, what: string, send: () => Promise<T>): Promise<T | undefined> {
  if (!ctx.session?.connection) {
    void vscode.window.showWarningMessage('The stack is not running: run Flotilla: Up first.');
    return undefined;
  }
  try {
    const res = await send();
    const r = res as { ok?: boolean; message?: string };
    if (r && r.ok === false) void vscode.window.showErrorMessage(`Flotilla: ${what} refused: ${r.message ?? ''}`);
    else ctx.log.info(`${what}${r?.message ? `: ${r.message}` : ''}`);
    return res;
  } catch (err) {
    void vscode.window.showErrorMessage(`Flotilla: ${what} failed: ${(err as Error).message}`);
    return undefined;
  }
}

export async function scaleBy(ctx: Ctx, node: TopologyNode | string | undefined, delta: number): Promise<void> {
  const d = await pickDeployment(ctx, node);
  if (!d) return;
  const replicas = Math.max(0, d.desired + delta);
  await post(ctx, `scale ${d.name} to ${replicas}`, () =>
    ctx.session!.connection!.post('/v1/scale', { deployment: d.name, replicas }),
  );
}

export async function scaleTo(ctx: Ctx, node?: TopologyNode | string, value?: number): Promise<void> {
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
  await post(ctx, `scale ${d.name} to ${replicas}`, () =>
    ctx.session!.connection!.post('/v1/scale', { deployment: d.name, replicas: replicas }),
  );
}

/** Rolling restart with progress until every old replica is replaced and all are Ready. */
export async function rollingRestart(ctx: Ctx, node?: TopologyNode | string): Promise<void> {
  const d = await pickDeployment(ctx, node);
  if (!d) return;
  const old = new Set(d.replicas.map((r) => r.name));
  const res = await post(ctx, `rolling restart of ${d.name}`, () =>
    ctx.session!.connection!.post('/v1/restart', { deployment: d.name }),
  );
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

export async function restartReplica(ctx: Ctx, node?: TopologyNode | string): Promise<void> {
  const r = await pickReplica(ctx, node);
  if (r) {
    await post(ctx, `restart ${r.name}`, () =>
      ctx.session!.connection!.post('/v1/replica/restart', { replica: r.name }),
    );
  }
}

export async function killReplica(ctx: Ctx, node?: TopologyNode | string): Promise<void> {
  const r = await pickReplica(ctx, node);
  if (r) {
    await post(ctx, `kill ${r.name}`, () => ctx.session!.connection!.post('/v1/replica/kill', { replica: r.name }));
  }
}

/** `flotilla logs -f TARGET` into one output channel per target; lines carry the replica prefix. */
export class LogFollowers implements vscode.Disposable {
  private readonly followers = new Map<string, { channel: vscode.OutputChannel; child: ChildProcess }>();

  constructor(private readonly ctx: Ctx) {}

  async follow(node?: TopologyNode | string): Promise<void> {
    const target =
      typeof node === 'string'
        ? node
        : node?.kind === 'replica'
          ? node.replica
          : node?.kind === 'deployment'
            ? node.deployment
            : (await pickDeployment(this.ctx))?.name;
    const dir = this.ctx.location?.dir;
    if (!target || !dir) return;
    this.stop(target);
    const channel = vscode.window.createOutputChannel(`Flotilla Logs: ${target}`);
    const child = spawn(process.execPath, [this.ctx.cliPath, 'logs', '-f', '--prefix', target, '--stack', dir], {
      cwd: dir,
      env: { ...process.env, ...engineEnv(readConfig()), ELECTRON_RUN_AS_NODE: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => channel.append(b.toString()));
    child.stderr.on('data', (b: Buffer) => channel.append(b.toString()));
    child.on('exit', (code) => channel.appendLine(`[logs ended${code ? `: exit ${code}` : ''}]`));
    this.followers.set(target, { channel, child });
    channel.show(true);
  }

  private stop(target: string): void {
    const f = this.followers.get(target);
    if (!f) return;
    f.child.kill();
    f.channel.dispose();
    this.followers.delete(target);
  }

  dispose(): void {
    [...this.followers.keys()].forEach((t) => this.stop(t));
  }
}

/** `docker exec -it` in a terminal, with the Docker host the stack runs on. */
export async function shell(ctx: Ctx, node?: TopologyNode | string): Promise<vscode.Terminal | undefined> {
  const r = await pickReplica(ctx, node);
  if (!r) return undefined;
  if (!r.container) {
    void vscode.window.showWarningMessage(`${r.name} has no container yet (${r.state}).`);
    return undefined;
  }
  const cfg = readConfig();
  const terminal = vscode.window.createTerminal({
    name: `Flotilla: ${r.name}`,
    shellPath: 'docker',
    shellArgs: ['exec', '-it', r.container, 'sh'],
    env: cfg.dockerHost ? { DOCKER_HOST: cfg.dockerHost } : {},
    iconPath: new vscode.ThemeIcon('terminal'),
  });
  terminal.show();
  return terminal;
}
