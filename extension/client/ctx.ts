// The extension's state in one place: the stack location, the live session with its
// controller, the child controller process and the views. Commands get a Ctx; nothing
// else holds global state. Context keys drive `when` clauses and welcome views.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { StackStatus } from '../engine/api/protocol';
import { ControllerProcess, looksLikeDockerUnreachable } from './controller-process';
import type { EngineApi } from './engine-link';
import { StackSession } from './session';
import { findStackFile, watchStackFile, type StackLocation } from './stack-file';
import { StackStatusBar } from './status-bar';
import { EndpointsProvider } from './views/endpoints';
import { TopologyProvider, type TopologyNode } from './views/topology';

export class Ctx implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Flotilla', { log: true });
  readonly controller: ControllerProcess;
  readonly topology = new TopologyProvider(() => this.session);
  readonly endpoints = new EndpointsProvider(() => this.session);
  readonly topologyView: vscode.TreeView<TopologyNode>;
  private readonly statusBar = new StackStatusBar();
  private readonly statusEmitter = new vscode.EventEmitter<StackStatus | undefined>();
  /** Fires on every snapshot of the current stack, and with undefined when it stops. */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private sessionScope: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  location: StackLocation | undefined;
  session: StackSession | undefined;
  private dockerUnreachable = false;

  constructor(
    readonly extension: vscode.ExtensionContext,
    private api: EngineApi,
  ) {
    this.controller = new ControllerProcess(extension.asAbsolutePath(path.join('dist', 'cli.js')), this.log);
    this.topologyView = vscode.window.createTreeView('flotilla.topology', {
      treeDataProvider: this.topology,
      showCollapseAll: true,
    });
    const endpointsView = vscode.window.createTreeView('flotilla.endpoints', { treeDataProvider: this.endpoints });
    this.disposables.push(
      this.log,
      this.controller,
      this.topology,
      this.endpoints,
      this.topologyView,
      endpointsView,
      this.statusBar,
      this.statusEmitter,
      watchStackFile((loc) => this.setLocation(loc)),
      this.controller.onDidExit((exit) => {
        if (exit.code !== 0 && looksLikeDockerUnreachable(exit.tail)) this.setDockerUnreachable(true);
      }),
    );
  }

  get cliPath(): string {
    return this.extension.asAbsolutePath(path.join('dist', 'cli.js'));
  }

  /** Finds the stack and attaches to a controller already running for it (no Docker call). */
  async init(): Promise<void> {
    await this.setLocation(await findStackFile());
  }

  async setLocation(loc: StackLocation | undefined): Promise<void> {
    void vscode.commands.executeCommand('setContext', 'flotilla.noStackFile', !loc);
    if (loc?.dir === this.location?.dir && this.session) {
      this.location = loc; // the name may have changed
      this.onStatus(this.session.status);
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
        session.onDidChangeStatus((s) => this.onStatus(s)),
      );
      this.onStatus(undefined);
      await session.attach();
    } else {
      this.onStatus(undefined);
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
    void vscode.commands.executeCommand('setContext', 'flotilla.dockerUnreachable', value);
  }

  private onStatus(status: StackStatus | undefined): void {
    if (status) this.setDockerUnreachable(status.controller.dockerConnected === false);
    void vscode.commands.executeCommand('setContext', 'flotilla.running', !!status?.controller.running);
    this.topology.refresh();
    this.endpoints.refresh();
    this.statusBar.update(status?.stack ?? this.location?.name, status);
    this.statusEmitter.fire(status);
  }

  dispose(): void {
    this.sessionScope.forEach((d) => d.dispose());
    this.disposables.forEach((d) => d.dispose());
  }
}
