// The topology graph webview. Scripts and styles come from media/ under a strict CSP
// with a per-load nonce; the page receives Graph snapshots by postMessage and answers
// clicks, which reveal a deployment in the Topology tree or open a manifest.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { errorMessage } from '../../engine/util/errors';
import { openManifest } from '../commands/navigate';
import { readManifestFacts } from './manifests';
import { buildGraph, type FromWebview, type Graph, type ManifestFacts, type ToWebview } from './model';

/** The page's messages are checked, not trusted: the webview is another process. */
function parseMessage(m: unknown): FromWebview | undefined {
  if (typeof m !== 'object' || m === null || !('type' in m)) return undefined;
  if (m.type === 'ready') return { type: 'ready' };
  if (m.type !== 'select' || !('kind' in m) || !('name' in m) || typeof m.name !== 'string') return undefined;
  if (m.kind !== 'deployment' && m.kind !== 'service') return undefined;
  return { type: 'select', kind: m.kind, name: m.name, open: 'open' in m && m.open === true };
}

export class GraphPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sent = new vscode.EventEmitter<Graph>();
  /** Fires after each graph is posted to the page (tests wait on it). */
  readonly onDidPostGraph = this.sent.event;
  /** The last graph sent. */
  lastGraph: Graph | undefined;
  private facts: { key: string; value: Promise<ManifestFacts> } | undefined;

  /** Opens the panel beside the editor; `onDispose` runs when the user closes it. */
  static create(ctx: Ctx, onDispose: () => void): GraphPanel {
    const media = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media');
    const panel = vscode.window.createWebviewPanel('flotilla.graph', 'Flotilla Topology', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [media],
      // Kept alive while its tab is hidden: VS Code would otherwise reload the page when the tab
      // is shown again, and code-server leaves a reloading webview blank for seconds. One small
      // page is cheap to keep.
      retainContextWhenHidden: true,
    });
    panel.iconPath = vscode.Uri.joinPath(media, 'flotilla.svg');
    return new GraphPanel(ctx, panel, media, onDispose);
  }

  private constructor(
    private readonly ctx: Ctx,
    readonly panel: vscode.WebviewPanel,
    media: vscode.Uri,
    private readonly onDispose: () => void,
  ) {
    panel.webview.html = html(panel.webview, media);
    // Snapshots arrive every second with metrics; manifests change only on save.
    const manifests = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml}');
    const invalidate = () => (this.facts = undefined);
    this.disposables.push(
      manifests,
      manifests.onDidChange(invalidate),
      manifests.onDidCreate(invalidate),
      manifests.onDidDelete(invalidate),
      panel.onDidDispose(() => this.dispose()),
      // Shown again: send the current snapshot at once, in case the page missed one while hidden.
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.visible) this.update();
      }),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      ctx.onDidChangeStatus(() => this.update()),
    );
  }

  private receive(m: unknown): void {
    const message = parseMessage(m);
    if (message) this.onMessage(message).then(undefined, (e: unknown) => this.warn(e));
  }

  private update(): void {
    this.push().then(undefined, (e: unknown) => this.warn(e));
  }

  private warn(e: unknown): void {
    this.ctx.log.warn(`graph: ${errorMessage(e)}`);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    if (m.type === 'ready') return this.push();
    if (m.kind === 'deployment' && !m.open) {
      const node = this.ctx.topology.deploymentNode(m.name);
      if (node) return this.ctx.topologyView.reveal(node, { select: true, focus: true, expand: true });
    }
    await openManifest(this.ctx, m.name);
  }

  private async push(): Promise<void> {
    const status = this.ctx.status;
    if (!status) return this.post({ stack: '', nodes: [], edges: [] });
    const key = [...status.deployments, ...status.services].map((x) => x.manifest?.file ?? '').join('|');
    if (this.facts?.key !== key) this.facts = { key, value: readManifestFacts(status) };
    await this.post(buildGraph(status, await this.facts.value));
  }

  private async post(graph: Graph): Promise<void> {
    this.lastGraph = graph;
    const message: ToWebview = { type: 'graph', graph };
    await this.panel.webview.postMessage(message);
    this.sent.fire(graph);
  }

  dispose(): void {
    this.onDispose();
    this.disposables.forEach((d) => d.dispose());
    this.sent.dispose();
    this.panel.dispose();
  }
}

function html(webview: vscode.Webview, media: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'graph.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Flotilla Topology</title>
</head>
<body>
<div id="empty" class="empty">The stack is not running. Run <b>Flotilla: Up</b> to see its topology.</div>
<svg id="graph" role="img" aria-label="Topology graph"></svg>
<div class="legend">
  <span class="edge-selects"></span> Service selects pods <span class="edge-depends"></span> env names a Service
  · click: reveal · double-click: open manifest
</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
