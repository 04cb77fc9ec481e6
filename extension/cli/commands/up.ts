// `flotilla up`: build, apply, then run the controller in the foreground until
// SIGINT/SIGTERM, printing events. Stopping the controller leaves the replicas
// running (a new `up` adopts them); `flotilla down` removes them.
import * as path from 'node:path';
import { ControllerClient } from '../../engine/api/client';
import { ControlServer } from '../../engine/api/server';
import { downStack } from '../../engine/controller/controller';
import { connectDocker } from '../../engine/docker/client';
import { createController, prepareStack, reloadStack, type PrepareOptions } from '../../engine/runner';
import { StackWatcher } from '../../engine/watch';
import { dockerUnreachable, dryRun } from '../../engine/dry-run';
import { type Args, stackDir } from '../args';
import { formatEvent } from '../output';
import { lintForEngine } from '../lint-bridge';
import { onInternalError } from '../crash';
import { errorMessage } from '../../engine/util/errors';
import type { BuildProgress } from '../../engine/api/protocol';
import { progressChannel } from '../progress';

export async function up(args: Args): Promise<number> {
  const dir = stackDir(args);
  if (args.flags.has('--dry-run')) return dryRunUp(dir);
  const running = await ControllerClient.connect(dir);
  if (running) {
    throw new Error(
      `a controller already runs for this stack (pid ${running.handle.pid}); use 'flotilla status' or stop it first`,
    );
  }
  const docker = await connectDocker();
  const say = (line: string) => process.stdout.write(line + '\n');
  // Build progress goes to the editor that started us (before the controller serves) and, for
  // rebuilds on save, to everyone watching the running controller.
  const progress = progressChannel();
  const serving: { server?: ControlServer } = {};
  const onBuild = (build: BuildProgress) => {
    progress?.({ kind: 'build', build });
    serving.server?.broadcastBuild(build);
  };
  const prep: PrepareOptions = { onOutput: say, onBuild, lint: lintForEngine };
  const prepared = await prepareStack(docker, dir, { ...prep, network: true });
  // Kinds and fields left out (with their reasons) and files skipped: the same lines lint shows.
  for (const w of prepared.stack.warnings) {
    const level = w.severity === 'warning' ? 'warning' : 'note';
    say(
      `${level}: ${path.relative(process.cwd(), w.file)}:${w.line}:${w.column}${w.code ? ` ${w.code}` : ''} ${w.message}`,
    );
  }
  const ctl = createController(docker, prepared);
  ctl.on('event', (e) => say(formatEvent(e)));

  let stopping: Promise<void> | undefined;
  let stopFailed = false;
  // Made now, started once the controller serves: shutdown may be asked for before that.
  const watcher = args.flags.has('--no-watch')
    ? undefined
    : new StackWatcher(ctl, prep, say, undefined, liveUpdateOn(args));
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const stopOnce = (down: boolean) =>
    (stopping ??= shutdown(down)
      .catch((e: unknown) => {
        say(`stopping the controller failed: ${errorMessage(e)}`);
        stopFailed = true;
      })
      .finally(finished));
  const control = new ControlServer(ctl, {
    reload: () => reloadStack(ctl, prep),
    shutdown: stopOnce,
  });
  serving.server = control;
  const shutdown = async (down: boolean): Promise<void> => {
    // The watcher first: a reload it runs must neither apply to a stopped controller nor re-open watches.
    await watcher?.close();
    await ctl.stop(false);
    await control.close();
    if (down) {
      const grace = () => ctl.stack.settings.terminationGracePeriodSeconds ?? 30;
      const n = await downStack(docker, ctl.stack.name, grace, ctl.stack.dir, (p) => ctl.pods?.preStop(p));
      say(`removed ${n} replica(s) and the network of stack ${ctl.stack.name}`);
    } else {
      say(`controller stopped; replicas keep running (flotilla down removes them)`);
    }
  };

  await ctl.start();
  const handle = await control.listen();
  say(`stack ${ctl.stack.name}: controller running (pid ${handle.pid}); Ctrl-C stops the controller`);
  for (const svc of ctl.status().services) {
    for (const p of svc.ports) {
      // Inside the stack network pods use the Service's name (or its ClusterIP) on its port.
      const inside =
        svc.clusterIP === 'None'
          ? ` (in the stack: ${svc.name}, headless)`
          : svc.clusterIP
            ? ` (in the stack: ${svc.name}:${p.port}, ClusterIP ${svc.clusterIP})`
            : '';
      say(`service ${svc.name} port ${p.port}: ${p.url ?? `not published (${p.error ?? 'no host port'})`}${inside}`);
    }
  }
  watcher?.start();

  // The first signal stops the controller gracefully; a second one while it stops exits at once.
  // stopOnce never rejects (it reports a failed shutdown itself), so nothing is lost by not awaiting it.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      say(`${signal} again: exiting without waiting for the controller to stop`);
      process.exit(130);
    }
    void stopOnce(false);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const unsubscribe = onInternalError((message) =>
    ctl.emitEvent('Warning', 'InternalError', `stack/${ctl.stack.name}`, message),
  );
  await done;
  unsubscribe();
  // main.ts exits the process after this returns, whatever handles are left (the controller has
  // stopped, so nothing left open can matter). FLOTILLA_DEBUG_HANDLES names them, for tests.
  if (process.env.FLOTILLA_DEBUG_HANDLES) await reportOpenHandles();
  return stopFailed ? 1 : 0;
}

/**
 * Lists what would still keep the process alive once the event loop settles (piped stdio shows
 * as PipeWrap). Bounded timers that outlive a close are let run out first: chokidar's 1 s
 * directory-read throttle, an HTTP keep-alive timeout.
 */
async function reportOpenHandles(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  process.stderr.write(`open handles after stop: ${left.length ? left.join(', ') : 'none'}\n`);
}

/** `up --dry-run`: the plan, printed; nothing is created, and Docker is only read if it answers. */
async function dryRunUp(dir: string): Promise<number> {
  let docker: Awaited<ReturnType<typeof connectDocker>> | undefined;
  let dockerError: string | undefined;
  try {
    docker = await connectDocker();
  } catch (e) {
    dockerError = dockerUnreachable(e);
  }
  const report = await dryRun(dir, { docker, dockerError, lint: lintForEngine });
  process.stdout.write(report.lines.join('\n') + '\n');
  return 0;
}

/** Live update is on unless `--no-live-update` or FLOTILLA_LIVE_UPDATE=0 (the editor's flotilla.liveUpdate.enabled). */
export function liveUpdateOn(args: Pick<Args, 'flags'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return !args.flags.has('--no-live-update') && env.FLOTILLA_LIVE_UPDATE !== '0';
}
