// One batch of saves, end to end: live update when it takes every file (live-sync.ts), else
// the reload (rebuild what changed, roll what it changes). A build whose sync failed on a
// replica falls back to the reload with one Warning event, LiveUpdateFailed. Images that
// hold synced files are not rebuilt by a reload that does not concern them (a manifest
// edit), so their replicas are not rolled just because their context differs from the image.
import * as path from 'node:path';
import type Docker from 'dockerode';
import type { LiveSyncEvent } from '../api/protocol';
import type { StackController } from '../controller/controller';
import { reloadStack, type PrepareOptions } from '../runner';
import { LiveFiles } from './live-files';
import { planBatch, restartContainer, syncBuild, type LiveHost } from './live-sync';

export class LiveUpdater {
  constructor(
    private readonly ctl: StackController<Docker>,
    private readonly prep: PrepareOptions,
    private readonly say: (line: string) => void,
    private readonly enabled: boolean,
  ) {
    if (enabled) ctl.live ??= new LiveFiles();
  }

  /** Runs one batch of changed files (absolute paths). Rejects when the reload was refused (nothing changed). */
  async run(files: readonly string[], signal: AbortSignal): Promise<void> {
    const ctl = this.ctl;
    const rel = files.map((f) => path.relative(ctl.stack.dir, f));
    const trigger = rel.length === 1 ? rel[0] : `${rel[0]} and ${rel.length - 1} more`;
    const ids = ctl.currentImageIds();
    const plan =
      this.enabled && ctl.live ? planBatch(ctl.stack, files, (image) => !!ids[image]) : { kind: 'reload' as const };
    if (plan.kind === 'reload') {
      this.say(`change detected (${trigger}): reloading`);
      return this.reload(this.reusable(files), signal);
    }
    const live = ctl.live!;
    const host: LiveHost = {
      docker: ctl.docker,
      stack: ctl.stack,
      live,
      imageId: (image) => ctl.currentImageIds()[image],
      takesFiles: (pod) =>
        ctl.stack.deployments.some((d) => d.name === pod.deployment) && !ctl.runtime.peek(pod.replica)?.terminating,
      restartInPlace: (pod, containerIds, whileStopping) =>
        this.restartInPlace(pod.replica, pod.deployment, containerIds, whileStopping),
    };
    const outcomes = await Promise.all([...plan.builds].map(([b, f]) => syncBuild(host, b, f)));
    const failed = new Set<string>();
    for (const o of outcomes) {
      const sync: LiveSyncEvent = { image: o.image, files: o.files, replicas: o.replicas, ms: o.ms, hash: o.hash };
      if (o.failed) {
        failed.add(o.image);
        this.emit(
          'Warning',
          'LiveUpdateFailed',
          `live update of ${o.image} failed (${o.failed}): rebuilding and rolling`,
          {
            ...sync,
            failed: o.failed,
          },
        );
      } else {
        const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
        this.emit(
          'Normal',
          'Synced',
          `${o.image}: synced ${n(o.files, 'file')} to ${n(o.replicas, 'replica')} in ${o.ms} ms (${trigger})`,
          sync,
        );
      }
    }
    if (!failed.size) return;
    const keep = this.reusable([]);
    for (const image of failed) delete keep[image];
    return this.reload(keep, signal);
  }

  private async reload(reuse: Record<string, string>, signal: AbortSignal): Promise<void> {
    this.say(await reloadStack(this.ctl, { ...this.prep, signal, reuse }));
  }

  /**
   * Images holding synced files that this batch does not concern: reused as they are. A batch
   * touching the stack file reuses none (a build's own settings may have changed).
   */
  private reusable(files: readonly string[]): Record<string, string> {
    const ctl = this.ctl;
    const live = ctl.live;
    const ids = ctl.currentImageIds();
    if (!live || files.includes(ctl.stack.file)) return {};
    const out: Record<string, string> = {};
    for (const b of ctl.stack.builds) {
      const id = ids[b.image];
      if (!id || !live.overlay(id)) continue;
      if (files.some((f) => f === b.dockerfile || f.startsWith(b.context + path.sep))) continue;
      out[b.image] = id;
    }
    return out;
  }

  private async restartInPlace(
    replica: string,
    deployment: string,
    ids: string[],
    whileStopping?: (id: string) => Promise<void>,
  ): Promise<void> {
    const ctl = this.ctl;
    const d = ctl.stack.deployments.find((x) => x.name === deployment);
    const grace = ctl.stack.settings.terminationGracePeriodSeconds ?? d?.template.terminationGracePeriodSeconds ?? 30;
    ctl.restartingInPlace(replica, true);
    try {
      await Promise.all(ids.map((id) => restartContainer(ctl.docker, id, grace, whileStopping)));
    } finally {
      ctl.restartingInPlace(replica, false);
    }
  }

  private emit(type: 'Normal' | 'Warning', reason: string, message: string, sync: LiveSyncEvent): void {
    const ctl = this.ctl;
    ctl.emit('event', {
      time: new Date().toISOString(),
      type,
      reason,
      object: `stack/${ctl.stack.name}`,
      message,
      sync,
    });
  }
}
