// "Flotilla: Deploy to Swarm…": asks for the swarm manager's Docker host and the registry (remembered per
// workspace), runs `flotilla deploy --target swarm` with its progress in a notification (cancellable), then
// shows the deployment's replicas by node in the Swarm view.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { findStackFile } from '../stack-file';
import type { SwarmView } from './view';

export const SWARM_HOST_KEY = 'flotilla.swarm.host';
export const SWARM_REGISTRY_KEY = 'flotilla.swarm.registry';

export interface SwarmTarget {
  host: string;
  registry: string;
  stackDir: string;
}

/** The target remembered for this workspace, if any. */
export function rememberedTarget(ctx: Ctx): { host?: string; registry?: string } {
  return {
    host: ctx.extension.workspaceState.get<string>(SWARM_HOST_KEY),
    registry: ctx.extension.workspaceState.get<string>(SWARM_REGISTRY_KEY),
  };
}

/** Runs the CLI and streams its lines; resolves with its exit code and last lines. */
export function runCli(
  ctx: Ctx,
  args: string[],
  onLine: (line: string) => void,
  token?: vscode.CancellationToken,
): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ctx.cliPath, ...args], {
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let pending = '';
    const take = (chunk: Buffer) => {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const cancel = token?.onCancellationRequested(() => child.kill('SIGINT'));
    child.on('close', (code) => {
      cancel?.dispose();
      resolve({ code, tail });
    });
  });
}

export async function deployToSwarm(ctx: Ctx, view: SwarmView, preset?: Partial<SwarmTarget>): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('Flotilla deploys nothing in Restricted Mode. Trust this workspace first.');
    return false;
  }
  const loc = ctx.location ?? (await findStackFile());
  const stackDir = preset?.stackDir ?? loc?.dir;
  if (!stackDir) {
    void vscode.window.showWarningMessage('No flotilla.yaml or skaffold.yaml in this workspace.');
    return false;
  }
  const saved = rememberedTarget(ctx);
  const host =
    preset?.host ??
    (await vscode.window.showInputBox({
      title: 'Deploy to Swarm (1/2)',
      prompt: "The swarm manager's Docker host",
      placeHolder: 'tcp://manager:2375, ssh://user@manager or unix:///path/docker.sock',
      value: saved.host ?? '',
      ignoreFocusOut: true,
      validateInput: (v) =>
        /^(unix|tcp|ssh|https?):\/\/\S+$/.test(v.trim()) ? undefined : 'unix://…, tcp://HOST:PORT or ssh://USER@HOST',
    }));
  if (!host) return false;
  const registry =
    preset?.registry ??
    (await vscode.window.showInputBox({
      title: 'Deploy to Swarm (2/2)',
      prompt: 'The registry every node pulls from (the manager pushes the images there)',
      placeHolder: 'registry.example.com:5000',
      value: saved.registry ?? '',
      ignoreFocusOut: true,
      validateInput: (v) => (/^[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/.test(v.trim()) ? undefined : 'HOST:PORT'),
    }));
  if (!registry) return false;
  await ctx.extension.workspaceState.update(SWARM_HOST_KEY, host.trim());
  await ctx.extension.workspaceState.update(SWARM_REGISTRY_KEY, registry.trim());
  ctx.log.show(true);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Flotilla: deploying to the swarm', cancellable: true },
    (progress, token) =>
      runCli(
        ctx,
        ['deploy', '--target', 'swarm', '--host', host.trim(), '--registry', registry.trim(), '--stack', stackDir],
        (line) => {
          ctx.log.info(`[swarm] ${line}`);
          if (!line.startsWith('[build')) progress.report({ message: line.slice(0, 120) });
        },
        token,
      ),
  );
  if (result.code !== 0) {
    const why = result.tail.filter((l) => l.startsWith('flotilla:')).pop() ?? result.tail.pop() ?? 'no output';
    void vscode.window.showErrorMessage(`Flotilla: the swarm deploy failed: ${why}`, 'Show Output').then((p) => {
      if (p) ctx.log.show();
    });
    return false;
  }
  await view.load({ host: host.trim(), stackDir });
  void vscode.window.showInformationMessage(
    `Flotilla: ${result.tail.filter((l) => l.includes('deployed to the swarm')).pop() ?? 'deployed'}`,
  );
  return true;
}
