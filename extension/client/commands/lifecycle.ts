// Up, Down and "create stack file": the commands that start and stop a stack. They only
// start the controller process or send it intents; the controller does the work.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DOCKERFILE_GLOB } from '../../engine/model/file-names';
import { Cancelled, errorMessage } from '../../engine/util/errors';
import type { BuildProgress } from '../../engine/api/protocol';
import { exitCause } from '../controller-process';
import type { Ctx } from '../ctx';
import type { StackSession } from '../session';
import { fail, warn } from '../notify';
import { findManifests, findStackFile } from '../stack-file';
import { allReady, reportEvents, waitForStatus } from './wait';

export async function up(ctx: Ctx): Promise<boolean> {
  if (!vscode.workspace.isTrusted) {
    warn('Flotilla builds and starts nothing in Restricted Mode. Trust this workspace to run the stack.');
    return false;
  }
  if (!ctx.location) await ctx.setLocation(await findStackFile());
  const loc = ctx.location;
  const session = ctx.session;
  if (!loc || !session) {
    const pick = await vscode.window.showWarningMessage(
      'No flotilla.yaml or skaffold.yaml in this workspace.',
      'Create Stack File',
    );
    if (pick) await vscode.commands.executeCommand('flotilla.createStackFile');
    return false;
  }
  if (await session.attach()) {
    ctx.log.info('a controller already runs for this stack; attached to it');
    return true;
  }
  ctx.setDockerUnreachable(false);
  ctx.log.show(true);
  // The stack's own name, as the status bar and the tree say it. Build lines go to the
  // Output channel; the notification says which image is at which step.
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Flotilla: starting ${loc.name}`, cancellable: true },
    (progress, token) => startController(ctx, loc.dir, session, progress, token),
  );
}

/** Starts this editor's controller and waits until every replica is Ready, or says why not. */
async function startController(
  ctx: Ctx,
  dir: string,
  session: StackSession,
  progress: vscode.Progress<{ message?: string }>,
  token: vscode.CancellationToken,
): Promise<boolean> {
  const exited = new vscode.EventEmitter<string>();
  const scope: vscode.Disposable[] = [
    exited,
    reportEvents(ctx, progress),
    ctx.controller.onDidReceiveMessage((m) => {
      if (m.kind === 'build' && !session.connected) progress.report({ message: buildMessage(m.build) });
    }),
    ctx.controller.onDidExit((e) => exited.fire(exitCause(e))),
  ];
  try {
    if (ctx.controller.running) {
      // The last controller is still stopping (a Down removing containers): start after it.
      progress.report({ message: 'waiting for the previous controller to stop' });
      await ctx.controller.whenExited();
    }
    ctx.views.setStarting(true);
    ctx.controller.start(dir, ctx.config.engineEnv());
    // The session attaches when the handle file appears; file watchers can lag, so
    // also retry reading it (a local file, not Docker) until the controller serves.
    const retry = setInterval(() => {
      if (session.connected) clearInterval(retry);
      else session.attachSoon();
    }, 300);
    scope.push(new vscode.Disposable(() => clearInterval(retry)));
    await waitForStatus(ctx, token, allReady, exited.event);
    return true;
  } catch (err) {
    if (err instanceof Cancelled) {
      ctx.log.info('up cancelled: stopping the controller');
      await ctx.stopController(true);
    } else {
      fail(`Flotilla: ${errorMessage(err)}`, { 'Show Output': () => ctx.log.show() });
    }
    return false;
  } finally {
    scope.forEach((d) => d.dispose());
  }
}

function buildMessage(b: BuildProgress): string {
  if (b.state === 'failed') return `${b.image}: build failed`;
  if (b.state !== 'building') return `${b.image} ${b.state === 'cached' ? 'up to date' : 'built'}`;
  return `building ${b.image}${b.step !== undefined && b.total !== undefined ? ` ${b.step}/${b.total}` : ''}`;
}

export async function down(ctx: Ctx): Promise<void> {
  const loc = ctx.location;
  if (!loc) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Flotilla: stopping the stack', cancellable: false },
    async (progress) => {
      if (ctx.session?.connected || ctx.controller.running) {
        const scope = reportEvents(ctx, progress);
        try {
          await ctx.stopController(true);
        } finally {
          scope.dispose();
        }
      } else {
        // No controller: `flotilla down` removes what an earlier run left behind.
        await runCli(ctx, ['down', '--stack', loc.dir], loc.dir);
      }
    },
  );
}

export function runCli(ctx: Ctx, args: string[], cwd: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ctx.cliPath, ...args], {
      cwd,
      env: { ...process.env, ...ctx.config.engineEnv(), ELECTRON_RUN_AS_NODE: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => ctx.log.info(b.toString().trimEnd()));
    child.stderr.on('data', (b: Buffer) => ctx.log.warn(b.toString().trimEnd()));
    child.on('error', (err) => {
      ctx.log.error(`flotilla ${args[0]}: ${err.message}`);
      resolve(null);
    });
    child.on('exit', (code) => resolve(code));
  });
}

/** Writes a flotilla.yaml that lists the manifests (and the Dockerfiles their images name). */
export async function createStackFile(ctx: Ctx): Promise<vscode.Uri | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    warn('Open a folder first: the stack file goes at its root.');
    return undefined;
  }
  const target = vscode.Uri.joinPath(folder.uri, 'flotilla.yaml');
  const manifests = await findManifests();
  const rel = (u: vscode.Uri) => path.relative(folder.uri.fsPath, u.fsPath).split(path.sep).join('/');
  const dockerfiles = await vscode.workspace.findFiles(DOCKERFILE_GLOB, '**/{node_modules,.git,.cache}/**', 100);
  const images = new Set<string>();
  for (const m of manifests) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(m)).toString('utf8');
    for (const match of text.matchAll(/^\s*(?:-\s+)?image:\s*["']?([^\s"'#]+)/gm)) images.add(match[1]);
  }
  // An image is built here when a Dockerfile's folder has the image's last path segment as name.
  const builds = [...images].flatMap((image) => {
    const short = (image.split('/').pop() ?? image).split(':')[0];
    const df = dockerfiles.find((d) => path.basename(path.dirname(d.fsPath)) === short);
    return df
      ? [`  - image: ${image.split(':')[0]}\n    context: ${rel(vscode.Uri.file(path.dirname(df.fsPath))) || '.'}`]
      : [];
  });
  const name =
    path
      .basename(folder.uri.fsPath)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'stack';
  const text = [
    '# Flotilla stack: which manifests to run and which images to build locally.',
    `name: ${name}`,
    `manifests:${manifests.length ? '' : ' []'}`,
    ...manifests.map((m) => `  - ${rel(m)}`),
    ...(builds.length ? ['build:', ...builds] : []),
    '',
  ].join('\n');
  try {
    await vscode.workspace.fs.stat(target);
    warn('flotilla.yaml already exists.');
  } catch {
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    ctx.log.info(`created ${target.fsPath} with ${manifests.length} manifests`);
  }
  await vscode.window.showTextDocument(target);
  await ctx.setLocation(await findStackFile());
  return target;
}
