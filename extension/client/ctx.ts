// The extension's state in one place, as rust-analyzer's Ctx: the settings, the stack
// location, the live session with its controller, the child controller process, the views,
// the graph panel, the log followers and the language client. Commands get a Ctx; nothing
// else holds state. Context keys drive `when` clauses and welcome views.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { StackStatus } from '../engine/api/protocol';
import { errorMessage } from '../engine/util/errors';
import { Config, type ConfigChange } from './config';
import { ControllerProcess, looksLikeDockerUnreachable } from './controller-process';
import type { EngineApi } from './engine-link';
import { GraphPanel } from './graph/panel';
import { startLanguageClient } from './language-client';
import { LogFollowers } from './log-followers';
import { inform, setContext } from './notify';
import { StackSession } from './session';
import { showLiveUpdates } from './live-update';
import { findStackFile, watchStackFile, type StackLocation } from './stack-file';
import type { EndpointsProvider } from './views/endpoints';
import { StackViews } from './views/stack-views';
import { UsageRequests } from './usage-requests';
import type { TopologyProvider, TopologyNode } from './views/topology';

export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Flotilla', { log: true });
  readonly config = new Config();
  readonly controller: ControllerProcess;
  /** Topology, Endpoints and the status bar, rendered from one snapshot. */
  readonly views = new StackViews();
  readonly logs = new LogFollowers(this);
  /** Fires once every view shows a new snapshot of the current stack, and with undefined when it stops. */
  readonly onDidChangeStatus = this.views.onDidCommit;
  /** The replicas the Topology view shows get their CPU and memory read (nothing else does). */
  private readonly usage = new UsageRequests(
    this.views.topologyView,
    () => this.session?.connection,
    () => this.views.status,
  );
  private sessionScope: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private graphPanel: GraphPanel | undefined;
  private client: LanguageClient | undefined;
  location: StackLocation | undefined;
  session: StackSession | undefined;
  private dockerUnreachable = false;

  constructor(
    readonly extension: vscode.ExtensionContext,
    private api: EngineApi,
  ) {
    this.controller = new ControllerProcess(this.cliPath, this.log);
    this.disposables.push(
      this.log,
      this.config,
      this.controller,
      this.views,
      this.logs,
      watchStackFile((loc) => this.setLocation(loc)),
      this.controller.onDidExit((exit) => {
        this.views.setStarting(false);
        if (exit.code !== 0 && looksLikeDockerUnreachable(exit.tail)) this.setDockerUnreachable(true);
      }),
      this.controller.onDidReceiveMessage((m) => {
        if (m.kind === 'build') this.views.onBuild(m.build);
      }),
      this.views.onDidCommit((status) => this.onCommit(status)),
      this.usage,
      this.views.topologyView.onDidChangeVisibility(() => this.usage.update()),
      this.config.onDidChange((change) => this.onConfigChange(change)),
    );
  }

  get topology(): TopologyProvider {
    return this.views.topology;
  }

  get endpoints(): EndpointsProvider {
    return this.views.endpoints;
  }

  get topologyView(): vscode.TreeView<TopologyNode> {
    return this.views.topologyView;
  }

  /** The snapshot every view shows (the session may hold a newer one for a moment). */
  get status(): StackStatus | undefined {
    return this.views.status;
  }

  get cliPath(): string {
    return this.extension.asAbsolutePath(path.join('dist', 'cli.js'));
  }

  get logTimestamps(): boolean {
    return this.config.current.logTimestamps;
  }

  /** The language client, once started (undefined without dist/server.js). */
  get languageClient(): LanguageClient | undefined {
    return this.client;
  }

  /** The topology graph panel while it is open. */
  get graph(): GraphPanel | undefined {
    return this.graphPanel;
  }

  /**
   * The engine environment (Docker host, node pool) the stack runs with: the running
   * controller's, else the settings'. Shells and log followers use it, so they always
   * reach the engine the controller uses, even after the settings changed or when the
   * controller was started from a terminal.
   */
  engineEnv(): Record<string, string> {
    const env = { ...(this.controller.engineEnv ?? this.config.engineEnv()) };
    const reported = this.status?.controller;
    if (reported?.running) {
      if (reported.dockerHost) env.DOCKER_HOST = reported.dockerHost;
      else if (reported.dockerHost === '') delete env.DOCKER_HOST;
    }
    return env;
  }

  /** Finds the stack and attaches to a controller already running for it (no Docker call). */
  async init(): Promise<void> {
    await this.setLocation(await findStackFile());
  }

  /** Starts the language server; it works in Restricted Mode too (it only reads files). */
  async startLanguageClient(): Promise<void> {
    this.client = await startLanguageClient(this.extension, this.log);
    if (this.client) this.disposables.push(this.client);
  }

  showGraph(): GraphPanel {
    if (this.graphPanel) {
      // Where it is: Beside would move an active graph into a new group, away from its editors.
      this.graphPanel.panel.reveal();
      return this.graphPanel;
    }
    const panel = GraphPanel.create(this, () => {
      if (this.graphPanel === panel) this.graphPanel = undefined;
    });
    this.graphPanel = panel;
    return panel;
  }

  async setLocation(loc: StackLocation | undefined): Promise<void> {
    setContext('flotilla.noStackFile', !loc);
    if (loc?.dir === this.location?.dir && this.session) {
      this.location = loc; // the name may have changed
      this.views.push(this.session.status, loc?.name);
      return;
    }
    this.location = loc;
    this.sessionScope.forEach((d) => d.dispose());
    this.sessionScope = [];
    this.session = undefined;
    if (loc) {
      const session = new StackSession(loc.dir, this.api, this.log, () => !this.controller.running);
      this.session = session;
      this.sessionScope.push(
        session,
        session.onDidChangeStatus((s) => this.views.push(s, this.location?.name)),
        session.onDidReceiveBuild((b) => this.views.onBuild(b)),
        showLiveUpdates(session, this.log),
      );
      this.views.push(undefined, loc.name);
      await session.attach();
    } else {
      this.views.push(undefined, undefined);
    }
  }

  /** Swaps the engine binding (tests use a scripted engine) and re-attaches. */
  async useEngine(api: EngineApi): Promise<void> {
    this.api = api;
    this.sessionScope.forEach((d) => d.dispose());
    this.sessionScope = [];
    this.session = undefined;
    await this.setLocation(this.location);
  }

  /** True after a start failed because no Docker engine answered (welcome view shows the fix). */
  get isDockerUnreachable(): boolean {
    return this.dockerUnreachable;
  }

  setDockerUnreachable(value: boolean): void {
    if (this.dockerUnreachable === value) return;
    this.dockerUnreachable = value;
    setContext('flotilla.dockerUnreachable', value);
  }

  private onCommit(status: StackStatus | undefined): void {
    this.usage.update();
    if (status) this.setDockerUnreachable(status.controller.dockerConnected === false);
    setContext('flotilla.running', !!status?.controller.running);
  }

  /**
   * The controller reads its engine settings once, at start. When they change while it runs,
   * offer to restart it, so Shell and Logs never reach a different engine than it uses.
   */
  private onConfigChange(change: ConfigChange): void {
    if (change.before.logTimestamps !== change.after.logTimestamps) this.logs.restartAll();
    if (!change.engine) return;
    if (this.controller.running) {
      this.restartPrompt(change).then(undefined, (e: unknown) => this.log.error(`restart failed: ${errorMessage(e)}`));
    } else if (this.session?.connected) {
      inform(
        'Flotilla: the controller of this stack was started outside VS Code and keeps its engine settings; ' +
          'restart `flotilla up` to apply the new ones.',
      );
    }
  }

  private async restartPrompt(change: ConfigChange): Promise<void> {
    const hostChanged = change.before.dockerHost !== change.after.dockerHost;
    const action = hostChanged ? 'Move to the New Host' : 'Restart Controller';
    const engine = (host: string) => host || 'the default Docker engine';
    const message = hostChanged
      ? `Flotilla: the controller runs the stack on ${engine(change.before.dockerHost)}. ` +
        `Move it to ${engine(change.after.dockerHost)}? Its replicas on the old engine are removed first.`
      : 'Flotilla: the controller still runs with the previous engine settings. ' +
        'Restart it to apply them? Its replicas keep running.';
    const pick = await vscode.window.showInformationMessage(message, action);
    if (pick !== action || !this.location || !this.controller.running) return;
    await this.stopController(hostChanged);
    this.controller.start(this.location.dir, this.config.engineEnv());
  }

  /**
   * Asks the controller to shut down (removeAll also removes the stack's containers) and waits
   * until it is gone. This editor's own child has gone when it exits, which after a removal is
   * once the containers are gone, so an Up right after a Down starts afresh.
   */
  async stopController(removeAll: boolean): Promise<void> {
    const conn = this.session?.connection;
    // Our own child has gone when it exits; a controller started elsewhere, when its stream ends.
    const gone = this.controller.running
      ? this.controller.whenExited()
      : new Promise<void>((resolve) => {
          if (!conn) return resolve();
          const sub = this.onDidChangeStatus((s) => {
            if (s) return;
            sub.dispose();
            resolve();
          });
        });
    if (conn) {
      try {
        await conn.post('/v1/shutdown', { down: removeAll });
      } catch (err) {
        this.log.warn(`shutdown request failed: ${errorMessage(err)}; stopping the process`);
        this.controller.stop();
      }
    } else {
      this.controller.stop();
    }
    await gone;
    this.session?.detach();
  }

  dispose(): void {
    this.graphPanel?.dispose();
    this.sessionScope.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}
