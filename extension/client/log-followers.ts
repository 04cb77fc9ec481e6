// `flotilla logs -f TARGET` into one output channel per target (a replica, or a whole
// deployment with each line prefixed by its replica). Owned by the Ctx; stopped with it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';

/** What a follower needs from the Ctx. */
export interface LogSource {
  readonly cliPath: string;
  readonly location: { dir: string } | undefined;
  engineEnv(): Record<string, string>;
}

export class LogFollowers implements vscode.Disposable {
  private readonly followers = new Map<string, { channel: vscode.OutputChannel; child: ChildProcess }>();

  constructor(private readonly source: LogSource) {}

  follow(target: string): void {
    const dir = this.source.location?.dir;
    if (!dir) return;
    this.stop(target);
    const channel = vscode.window.createOutputChannel(`Flotilla Logs: ${target}`);
    const child = spawn(process.execPath, [this.source.cliPath, 'logs', '-f', '--prefix', target, '--stack', dir], {
      cwd: dir,
      env: { ...process.env, ...this.source.engineEnv(), ELECTRON_RUN_AS_NODE: '1', NO_COLOR: '1' },
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
