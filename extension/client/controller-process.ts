// Runs `flotilla up --stack DIR` as a child of the extension host. The CLI bundle runs
// on the extension host's own Node (Electron needs ELECTRON_RUN_AS_NODE=1), so the
// extension needs no Node on PATH. Output goes line by line to the LogOutputChannel.
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';

export interface ControllerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of output, to explain a failed start. */
  tail: string[];
}

export class ControllerProcess implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private env: Record<string, string> = {};
  private readonly tail: string[] = [];
  private readonly exitEmitter = new vscode.EventEmitter<ControllerExit>();
  private readonly lineEmitter = new vscode.EventEmitter<string>();
  readonly onDidExit = this.exitEmitter.event;
  readonly onDidWriteLine = this.lineEmitter.event;

  constructor(
    private readonly cliPath: string,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The engine environment the running controller was started with (Docker host, node pool). */
  get engineEnv(): Record<string, string> | undefined {
    return this.running ? this.env : undefined;
  }

  start(stackDir: string, env: Record<string, string>): void {
    if (this.running) return;
    this.tail.length = 0;
    this.env = { ...env };
    const child = spawn(process.execPath, [this.cliPath, 'up', '--stack', stackDir], {
      cwd: stackDir,
      env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1', FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output.info(`controller: ${process.execPath} ${this.cliPath} up --stack ${stackDir} (pid ${child.pid})`);
    pipeLines(child.stdout, (l) => this.line(l, false));
    pipeLines(child.stderr, (l) => this.line(l, true));
    child.on('error', (err) => this.line(`failed to start the controller: ${err.message}`, true));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.output.info(`controller exited (code ${code ?? '-'}, signal ${signal ?? '-'})`);
      this.exitEmitter.fire({ code, signal, tail: [...this.tail] });
    });
  }

  /** SIGTERM lets the controller stop its balancers and leave containers as they are. */
  stop(): void {
    this.child?.kill('SIGTERM');
  }

  private line(text: string, isErr: boolean): void {
    this.tail.push(text);
    if (this.tail.length > 20) this.tail.shift();
    // Event lines carry their type ("Normal"/"Warning"); stderr is for real errors.
    if (isErr) this.output.error(text);
    else if (/\bWarning\b/.test(text)) this.output.warn(text);
    else this.output.info(text);
    this.lineEmitter.fire(text);
  }

  dispose(): void {
    this.stop();
    this.exitEmitter.dispose();
    this.lineEmitter.dispose();
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, '');
      buf = buf.slice(i + 1);
      if (line.trim()) onLine(line);
    }
  });
  stream.on('end', () => buf.trim() && onLine(buf));
}

/** True when a failure's text says the Docker engine could not be reached. */
export function looksLikeDockerUnreachable(lines: string[]): boolean {
  return lines.some(
    (l) =>
      /docker/i.test(l) &&
      /(ENOENT|ECONNREFUSED|EACCES|unreachable|cannot connect|not reachable|is the docker daemon running)/i.test(l),
  );
}
