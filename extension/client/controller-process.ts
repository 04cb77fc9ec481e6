// Runs `flotilla up --stack DIR` as a child of the extension host. The CLI bundle runs
// on the extension host's own Node (Electron needs ELECTRON_RUN_AS_NODE=1), so the
// extension needs no Node on PATH. Output goes line by line to the LogOutputChannel; the
// CLI's machine-readable progress (image builds before the controller serves) arrives as
// NDJSON on a third pipe, named by FLOTILLA_PROGRESS_FD.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import * as vscode from 'vscode';
import type { BuildProgress } from '../engine/api/protocol';

/** What the progress pipe carries that the extension uses. */
export type ProgressMessage = { kind: 'build'; build: BuildProgress };

const PROGRESS_FD = 3;

export interface ControllerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines of output, to explain a failed start. */
  tail: string[];
  /** What the controller wrote on stderr: its reason for stopping, without build noise. */
  errors: string[];
}

/** One line saying why the controller stopped: the CLI's own message, else the exit code. */
export function exitCause(e: ControllerExit): string {
  const lines = e.errors.map((l) => l.replace(/^flotilla: /, '').trim()).filter(Boolean);
  if (!lines.length) return `the controller exited (code ${e.code ?? e.signal ?? '?'})`;
  // "the stack has problems; nothing was changed:" is followed by the problems, one per line.
  return lines[0].endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0];
}

export class ControllerProcess implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private env: Record<string, string> = {};
  private readonly tail: string[] = [];
  private readonly errors: string[] = [];
  private readonly exitEmitter = new vscode.EventEmitter<ControllerExit>();
  private readonly lineEmitter = new vscode.EventEmitter<string>();
  private readonly messageEmitter = new vscode.EventEmitter<ProgressMessage>();
  readonly onDidExit = this.exitEmitter.event;
  readonly onDidWriteLine = this.lineEmitter.event;
  readonly onDidReceiveMessage = this.messageEmitter.event;

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
    this.errors.length = 0;
    this.env = { ...env };
    const child = spawn(process.execPath, [this.cliPath, 'up', '--stack', stackDir], {
      cwd: stackDir,
      env: {
        ...process.env,
        ...env,
        ELECTRON_RUN_AS_NODE: '1',
        FORCE_COLOR: '0',
        NO_COLOR: '1',
        FLOTILLA_PROGRESS_FD: String(PROGRESS_FD),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output.info(`controller: ${process.execPath} ${this.cliPath} up --stack ${stackDir} (pid ${child.pid})`);
    pipeLines(child.stdout, (l) => this.line(l, false));
    pipeLines(child.stderr, (l) => this.line(l, true));
    const progress = child.stdio[PROGRESS_FD];
    if (isReadable(progress)) {
      pipeLines(progress, (l) => {
        const m = parseProgress(l);
        if (m) this.messageEmitter.fire(m);
      });
    }
    child.on('error', (err) => this.line(`failed to start the controller: ${err.message}`, true));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.output.info(`controller exited (code ${code ?? '-'}, signal ${signal ?? '-'})`);
      this.exitEmitter.fire({ code, signal, tail: [...this.tail], errors: [...this.errors] });
    });
  }

  /** Resolves once no child controller runs (at once when none does). */
  whenExited(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const sub = this.onDidExit(() => {
        sub.dispose();
        resolve();
      });
    });
  }

  /** SIGTERM lets the controller stop its balancers and leave containers as they are. */
  stop(): void {
    this.child?.kill('SIGTERM');
  }

  private line(text: string, isErr: boolean): void {
    this.tail.push(text);
    if (this.tail.length > 20) this.tail.shift();
    if (isErr) {
      this.errors.push(text);
      if (this.errors.length > 20) this.errors.shift();
    }
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
    this.messageEmitter.dispose();
  }
}

function isReadable(s: unknown): s is Readable {
  return typeof s === 'object' && s !== null && 'on' in s && 'setEncoding' in s;
}

const BUILD_STATES: readonly string[] = ['building', 'built', 'cached', 'failed'];

/** A progress line, checked field by field: the pipe is another process's output. */
export function parseProgress(line: string): ProgressMessage | undefined {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    return undefined; // not a message: nothing to show
  }
  const build = field(m, 'kind') === 'build' ? field(m, 'build') : undefined;
  const image = field(build, 'image');
  const state = field(build, 'state');
  if (typeof image !== 'string' || typeof state !== 'string' || !BUILD_STATES.includes(state)) return undefined;
  const num = (k: string) => {
    const v = field(build, k);
    return typeof v === 'number' ? v : undefined;
  };
  const text = (k: string) => {
    const v = field(build, k);
    return typeof v === 'string' ? v : undefined;
  };
  return {
    kind: 'build',
    build: {
      image,
      state: state === 'built' || state === 'cached' || state === 'failed' ? state : 'building',
      step: num('step'),
      total: num('total'),
      instruction: text('instruction'),
      message: text('message'),
    },
  };
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && key in v ? Reflect.get(v, key) : undefined;
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
