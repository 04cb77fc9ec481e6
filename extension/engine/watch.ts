// Rebuild-and-roll on save. Any change to the stack file, a manifest or a file in
// a build context (minus .dockerignore, which the builder's content hash already
// honours) triggers one debounced reload: images whose context hash is unchanged
// are not rebuilt, and only deployments whose pod template hash changed roll,
// because the controller is level-based. A reload that fails leaves the running
// stack exactly as it was and prints the problems with file and line.
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { contextIncludes } from './build';
import type { StackController } from './controller/controller';
import { reloadStack, type PrepareOptions } from './runner';
import { errorMessage } from './util/errors';

const IGNORED = /(^|[/\\])(node_modules|\.git|\.flotilla|\.cache)([/\\]|$)/;

export class StackWatcher {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly ctl: StackController,
    private readonly prep: PrepareOptions,
    private readonly say: (line: string) => void,
    private readonly debounceMs = 300,
  ) {}

  start(): void {
    const s = this.ctl.stack;
    // Watch the whole stack folder: new manifests matching a glob must count too.
    const roots = [s.dir, ...s.builds.map((b) => b.context).filter((c) => !c.startsWith(s.dir + path.sep))];
    this.watcher = watch(roots, {
      ignoreInitial: true,
      ignored: (p) => IGNORED.test(p),
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 50 },
    });
    // changed() and reload() report every failure themselves (reload prints it), so they never reject.
    this.watcher.on('all', (_event, file) => void this.changed(file));
  }

  close(): void {
    clearTimeout(this.timer);
    void this.watcher?.close(); // closing file watches cannot fail in a way anyone could act on
  }

  private async changed(file: string): Promise<void> {
    if (!(await this.relevant(file))) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(path.relative(this.ctl.stack.dir, file)), this.debounceMs); // never rejects
  }

  /** The stack file, any YAML file (a new manifest may match a glob), or a file a build context sends (.dockerignore honoured). */
  private async relevant(file: string): Promise<boolean> {
    const s = this.ctl.stack;
    if (file === s.file || s.manifestFiles.includes(file) || /\.ya?ml$/.test(file)) return true;
    for (const b of s.builds) {
      if (file === b.dockerfile) return true;
      if (file.startsWith(b.context + path.sep) && (await contextIncludes(b, file).catch(() => true))) return true;
    }
    return false;
  }

  private async reload(trigger: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.say(`change detected (${trigger}): reloading`);
    this.running = reloadStack(this.ctl, this.prep)
      .then((msg) => this.say(msg))
      .catch((e: unknown) => this.say(`not applied, the running stack is unchanged:\n${errorMessage(e)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          void this.reload('further changes'); // never rejects: failures are printed
        }
      });
    await this.running;
  }
}
