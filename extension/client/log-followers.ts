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

  follow(target: string): void {
    const dir = this.source.location?.dir;
    if (!dir) return;
    this.stop(target);
    const channel = vscode.window.createOutputChannel(`Flotilla Logs: ${target}`);
    const args = ['logs', '-f', '--prefix', ...(this.source.logTimestamps ? ['--timestamps'] : []), target];
    const child = spawn(process.execPath, [this.source.cliPath, ...args, '--stack', dir], {
      cwd: dir,
      env: { ...process.env, ...this.source.engineEnv(), ELECTRON_RUN_AS_NODE: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const follower = { channel, child };
    // A stopped follower's channel is gone: its process's last words have nowhere to go.
    const live = () => this.followers.get(target) === follower;
    child.stdout.on('data', (b: Buffer) => live() && channel.append(b.toString()));
    child.stderr.on('data', (b: Buffer) => live() && channel.append(b.toString()));
    child.on('exit', (code) => live() && channel.appendLine(`[logs ended${code ? `: exit ${code}` : ''}]`));
    this.followers.set(target, follower);
    channel.show(true);
  }

  /** Targets being followed. */
  get targets(): string[] {
    return [...this.followers.keys()];
  }

  /** The arguments the follower of `target` runs `flotilla` with. */
  argsOf(target: string): readonly string[] | undefined {
    return this.followers.get(target)?.child.spawnargs.slice(2);
  }

  /** Starts every follower again (the timestamp toggle changed). */
  restartAll(): void {
    for (const target of this.targets) this.follow(target);
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
