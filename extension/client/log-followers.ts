// `flotilla logs -f TARGET` into one output channel per target (a replica, or a whole
// deployment with each line prefixed by its replica). Owned by the Ctx; stopped with it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';

/** What a follower needs from the Ctx. */
export interface LogSource {
  readonly cliPath: string;
  readonly location: { dir: string } | undefined;
  engineEnv(): Record<string, string>;
  /** Each line starts with its time (the `flotilla.logs.timestamps` toggle). */
  readonly logTimestamps: boolean;
}

export class LogFollowers implements vscode.Disposable {
  private readonly followers = new Map<string, { channel: vscode.OutputChannel; child: ChildProcess }>();

  constructor(private readonly source: LogSource) {}

  /** Follows `target` in its own output channel, shown without taking focus. */
  follow(target: string): void {
    this.stop(target);
    const channel = vscode.window.createOutputChannel(`Flotilla Logs: ${target}`);
    if (this.start(target, channel)) channel.show(true);
    else channel.dispose();
  }

  private start(target: string, channel: vscode.OutputChannel): boolean {
    const dir = this.source.location?.dir;
    if (!dir) return false;
    const args = ['logs', '-f', '--prefix', ...(this.source.logTimestamps ? ['--timestamps'] : []), target];
    const child = spawn(process.execPath, [this.source.cliPath, ...args, '--stack', dir], {
      cwd: dir,
      env: { ...process.env, ...this.source.engineEnv(), ELECTRON_RUN_AS_NODE: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const follower = { channel, child };
    // A replaced follower's process may still say something: only the current one writes.
    const live = () => this.followers.get(target) === follower;
    child.stdout.on('data', (b: Buffer) => live() && channel.append(b.toString()));
    child.stderr.on('data', (b: Buffer) => live() && channel.append(b.toString()));
    child.on('exit', (code) => live() && channel.appendLine(`[logs ended${code ? `: exit ${code}` : ''}]`));
    this.followers.set(target, follower);
    return true;
  }

  /** Targets being followed. */
  get targets(): string[] {
    return [...this.followers.keys()];
  }

  /** The arguments the follower of `target` runs `flotilla` with. */
  argsOf(target: string): readonly string[] | undefined {
    return this.followers.get(target)?.child.spawnargs.slice(2);
  }

  /** Follows every target again, in the same channels, without revealing them (the timestamp toggle changed). */
  restartAll(): void {
    for (const [target, f] of [...this.followers]) {
      this.followers.delete(target);
      f.child.kill();
      f.channel.appendLine(`[following again, timestamps ${this.source.logTimestamps ? 'on' : 'off'}]`);
      this.start(target, f.channel);
    }
  }

  private stop(target: string): void {
    const f = this.followers.get(target);
    if (!f) return;
    this.followers.delete(target);
    f.child.kill();
    f.channel.dispose();
  }

  dispose(): void {
    [...this.followers.keys()].forEach((t) => this.stop(t));
  }
}
