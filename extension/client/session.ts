// The live link to one stack's controller: attaches when a controller runs (started by
// the extension or from a terminal), keeps the last StackStatus, and re-emits engine
// events. Updates are pushed by the controller's /v1/watch stream; nothing polls Docker.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BuildProgress, EngineEvent, StackStatus } from '../engine/api/protocol';
import { CONTROLLER_HANDLE_FILE, STATE_DIR } from '../engine/api/protocol';
import { errorMessage } from '../engine/util/errors';
import type { EngineApi, EngineConnection } from './engine-link';

export class StackSession implements vscode.Disposable {
  private conn: EngineConnection | undefined;
  private abort: AbortController | undefined;
  private attaching: Promise<boolean> | undefined;
  private last: StackStatus | undefined;
  private readonly statusEmitter = new vscode.EventEmitter<StackStatus | undefined>();
  private readonly eventEmitter = new vscode.EventEmitter<EngineEvent>();
  private readonly buildEmitter = new vscode.EventEmitter<BuildProgress>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires with each new snapshot, and with undefined when the controller goes away. */
  readonly onDidChangeStatus = this.statusEmitter.event;
  readonly onDidReceiveEvent = this.eventEmitter.event;
  /** Rebuilds of a running stack (a saved Dockerfile), step by step. */
  readonly onDidReceiveBuild = this.buildEmitter.event;

  constructor(
    readonly stackDir: string,
    private readonly api: EngineApi,
    private readonly log: vscode.LogOutputChannel,
    /** False while our own child controller already prints its events to the log. */
    private readonly echoEvents: () => boolean = () => true,
  ) {
    // The handle file appears when any controller starts for this stack: attach then.
    const pattern = new vscode.RelativePattern(vscode.Uri.file(path.join(stackDir, STATE_DIR)), CONTROLLER_HANDLE_FILE);
    const watcher = vscode.workspace.createFileSystemWatcher(pattern);
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => this.attachSoon()),
      watcher.onDidChange(() => this.attachSoon()),
    );
  }

  get status(): StackStatus | undefined {
    return this.last;
  }

  get connected(): boolean {
    return this.conn !== undefined;
  }

  get connection(): EngineConnection | undefined {
    return this.conn;
  }

  /** Connects to a running controller if there is one; resolves true when attached. Never rejects. */
  attach(): Promise<boolean> {
    if (this.conn) return Promise.resolve(true);
    this.attaching ??= this.doAttach().finally(() => (this.attaching = undefined));
    return this.attaching;
  }

  /** attach() for callers that do not wait: it never rejects (a failed attempt resolves false). */
  attachSoon(): void {
    this.attach().then(undefined, () => undefined);
  }

  private async doAttach(): Promise<boolean> {
    let conn: EngineConnection | undefined;
    try {
      conn = await this.api.connect(this.stackDir);
      if (!conn) return false;
      this.update(await conn.status());
    } catch (err) {
      this.log.debug(`no controller to attach to: ${errorMessage(err)}`);
      return false;
    }
    this.conn = conn;
    this.log.info(`attached to the controller of ${this.stackDir}`);
    const abort = new AbortController();
    this.abort = abort;
    const ended = () => {
      if (this.conn === conn) this.detach();
    };
    conn
      .watch((m) => {
        if (m.kind === 'status') this.update(m.status);
        else if (m.kind === 'event') this.onEvent(m.event);
        else if (m.kind === 'build') this.buildEmitter.fire(m.build);
      }, abort.signal)
      .then(ended, (err: unknown) => {
        if (!abort.signal.aborted) this.log.warn(`watch stream ended: ${errorMessage(err)}`);
        ended();
      });
    return true;
  }

  private onEvent(e: EngineEvent): void {
    if (this.echoEvents()) {
      const line = `${e.reason} ${e.object}: ${e.message}`;
      if (e.type === 'Warning') this.log.warn(line);
      else this.log.info(line);
    }
    this.eventEmitter.fire(e);
  }

  private update(status: StackStatus): void {
    this.last = status;
    this.statusEmitter.fire(status);
  }

  /** Forgets the controller (its stream ended or the user stopped it). */
  detach(): void {
    this.abort?.abort();
    this.abort = undefined;
    if (!this.conn && !this.last) return;
    this.conn = undefined;
    this.last = undefined;
    this.log.info('detached from the controller');
    this.statusEmitter.fire(undefined);
  }

  dispose(): void {
    this.abort?.abort();
    this.disposables.forEach((d) => d.dispose());
    this.statusEmitter.dispose();
    this.eventEmitter.dispose();
    this.buildEmitter.dispose();
  }
}
