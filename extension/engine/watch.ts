// Rebuild-and-roll on save. Any change to the stack file, a manifest or a file in
// a build context (minus .dockerignore, which the builder's content hash already
// honours) triggers one debounced reload: images whose context hash is unchanged
// are not rebuilt, and only deployments whose pod template hash changed roll,
// because the controller is level-based. A reload that fails leaves the running
// stack exactly as it was and prints the problems with file and line. A batch of saves
// that a build's sync rules all take is copied into the running replicas instead
// (sync/live-updater.ts). A lone save runs almost at once, a burst once it has gone quiet
// (quiet-window.ts).
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { contextIncludes } from './build';
import type { StackController } from './controller/controller';
import { QuietWindow, type SaveKind } from './quiet-window';
import type { PrepareOptions } from './runner';
import { LiveUpdater } from './sync/live-updater';
import { errorMessage } from './util/errors';

const IGNORED = /(^|[/\\])(node_modules|\.git|\.flotilla|\.cache)([/\\]|$)/;

export class StackWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  /** Files saved since the last batch started (absolute paths). */
  private readonly pending = new Set<string>();
  private readonly live: LiveUpdater;
  private readonly window: QuietWindow;
  /** Events seen but not yet classified (relevant() may read a .dockerignore). */
  private classifying = 0;
  private closed = false;
  /** Aborts the running reload's builds when the watcher closes. */
  private readonly abort = new AbortController();

  constructor(
    private readonly ctl: StackController,
    prep: PrepareOptions,
    private readonly say: (line: string) => void,
    /** The quiet window of a burst: a batch of several saves runs once none came for this long. */
    debounceMs = 100,
    liveUpdate = true,
  ) {
    this.live = new LiveUpdater(ctl, prep, say, liveUpdate);
    this.window = new QuietWindow(debounceMs);
  }

  start(): void {
    this.watcher = watch(this.roots(), {
      ignoreInitial: true,
      ignored: (p) => IGNORED.test(p),
    });
    // changed() and reload() report every failure themselves (reload prints it), so they never reject.
    this.watcher.on('all', (event, file) => void this.changed(file, event.endsWith('Dir') ? 'dir' : 'file'));
    const w = this.watcher;
    this.isReady = new Promise((resolve) => w.once('ready', () => resolve()));
  }

  private isReady: Promise<void> = Promise.resolve();

  /** Resolves once the initial scan is done: changes from then on are seen. */
  ready(): Promise<void> {
    return this.isReady;
  }

  /**
   * The whole stack folder (new manifests matching a glob must count too), build contexts and
   * kustomize folders outside it, and the folders of every file a kustomize render read (bases).
   */
  private roots(): string[] {
    const s = this.ctl.stack;
    const kustomize = (s.kustomize ?? []).flatMap((k) => [k.dir, ...k.sources.map((f) => path.dirname(f))]);
    const all = [s.dir, ...s.builds.map((b) => b.context), ...kustomize];
    return [...new Set(all)].filter((d, _i, list) => !list.some((o) => o !== d && d.startsWith(o + path.sep)));
  }

  /**
   * Stops watching, then waits for a reload already running. Nothing is watched or reloaded
   * after this: chokidar's add() re-opens a closed watcher, so a reload finishing late must
   * not add the roots again, and a save seen just before must not start one.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.again = false;
    this.pending.clear();
    this.window.reset();
    this.abort.abort();
    await this.watcher?.close();
    await this.running;
  }

  private async changed(file: string, kind: SaveKind): Promise<void> {
    if (this.closed) return;
    // Counted until classified: a batch waits for events that may belong to it.
    this.classifying++;
    let relevant: boolean;
    try {
      relevant = await this.relevant(file);
    } finally {
      this.classifying--;
    }
    if (!relevant || this.closed) return;
    this.pending.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.window.event(kind)); // never rejects
  }

  /** The stack file, any YAML or JSON file (a new manifest may match a glob), a file of a kustomize folder, or a file a build context sends (.dockerignore honoured). */
  private async relevant(file: string): Promise<boolean> {
    const s = this.ctl.stack;
    if (file === s.file || s.manifestFiles.includes(file) || /\.(ya?ml|json)$/.test(file)) return true;
    // anything a kustomize render read or may read (generator sources such as .env files)
    for (const k of s.kustomize ?? []) {
      if (file.startsWith(k.dir + path.sep) || k.sources.includes(file)) return true;
    }
    for (const b of s.builds) {
      if (file === b.dockerfile) return true;
      if (file.startsWith(b.context + path.sep) && (await contextIncludes(b, file).catch(() => true))) return true;
    }
    return false;
  }

  /**
   * Runs the saves gathered so far as one batch: a sync when live update takes every file
   * (live-update.ts), else a reload. Saves arriving meanwhile wait and form the next batch,
   * so a burst (a checkout touching hundreds of files) is one sync or one reload.
   */
  private async flush(): Promise<void> {
    if (this.closed || !this.pending.size) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.window.due(this.classifying, Date.now());
    if (wait > 0) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(), wait); // never rejects
      return;
    }
    const batch = [...this.pending];
    this.pending.clear();
    this.window.reset();
    this.running = this.live
      .run(batch, this.abort.signal)
      .catch((e: unknown) => this.say(`not applied, the running stack is unchanged:\n${errorMessage(e)}`))
      .finally(() => {
        this.running = undefined;
        if (!this.closed) this.watcher?.add(this.roots()); // a kustomize render may now read new bases
        if (this.again && !this.closed) {
          this.again = false;
          void this.flush(); // never rejects: failures are printed
        }
      });
    await this.running;
  }
}
