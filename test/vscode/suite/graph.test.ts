// The topology graph webview: Service → Deployment edges from selectors, dependency
// edges from env values that name a Service, and live node state.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Graph } from '../../../extension/client/graph/model';
import { FakeEngine, shopStatus } from './fake-engine';
import { flotilla, showStatus, until, workspaceDir } from './util';

export default function (): void {
  describe('topology graph', () => {
    let engine: FakeEngine;
    before(async () => {
      const api = await flotilla();
      engine = new FakeEngine(shopStatus(workspaceDir()));
      await api.ctx.useEngine(engine);
    });

    after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

    it('opens a webview with nodes, selector edges and env dependency edges', async () => {
      const api = await flotilla();
      await vscode.commands.executeCommand('flotilla.showGraph');
      const panel = api.graph();
      assert.ok(panel, 'no graph panel');
      const graph = await until<Graph>(
        () => (panel.lastGraph?.nodes.length ? panel.lastGraph : undefined),
        panel.onDidPostGraph,
      );
      assert.deepEqual(graph.nodes.map((n) => n.id).sort(), [
        'deployment/api',
        'deployment/web',
        'deployment/worker',
        'service/api',
        'service/web',
      ]);
      const edges = graph.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`).sort();
      assert.ok(edges.includes('service/web -selects-> deployment/web'), edges.join('\n'));
      assert.ok(edges.includes('service/api -selects-> deployment/api'), edges.join('\n'));
      assert.ok(edges.includes('deployment/web -depends-> service/api'), edges.join('\n'));
      assert.ok(edges.includes('deployment/worker -depends-> service/api'), edges.join('\n'));
      assert.equal(graph.nodes.find((n) => n.id === 'deployment/worker')?.state, 'failing');
      assert.match(
        panel.panel.webview.html,
        /Content-Security-Policy" content="default-src 'none'; [^"]*script-src 'nonce-[A-Za-z0-9+/=]+'/,
      );
      // No remote content: every source is the webview's own resource origin, a nonce or 'none'.
      const csp = /Content-Security-Policy" content="([^"]+)"/.exec(panel.panel.webview.html)![1];
      const own = new Set(panel.panel.webview.cspSource.split(/\s+/)); // the webview's own resource origins
      for (const directive of csp.split(';').map((d) => d.trim().split(/\s+/))) {
        for (const src of directive.slice(1)) {
          assert.ok(
            src === "'none'" || /^'nonce-[A-Za-z0-9+/=]+'$/.test(src) || own.has(src),
            `CSP source ${src} in ${directive[0]}`,
          );
        }
      }
    });

    it("says on a workload's node why a replica cannot run", async () => {
      const api = await flotilla();
      await vscode.commands.executeCommand('flotilla.showGraph');
      const panel = api.graph();
      assert.ok(panel, 'no graph panel');
      const s = shopStatus(workspaceDir());
      s.deployments[0].ready = 0;
      s.deployments[0].replicas[0] = {
        ...s.deployments[0].replicas[0],
        state: 'Pending',
        ready: false,
        reason: 'FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found',
      };
      await showStatus(engine, s);
      const web = await until(() => {
        const n = panel.lastGraph?.nodes.find((x) => x.id === 'deployment/web');
        return n?.state === 'failing' ? n : undefined;
      }, panel.onDidPostGraph);
      assert.equal(web.label, '0/1 · FailedMount');
      assert.match(web.detail ?? '', /web-7c9d-1: FailedMount: MountVolume\.SetUp failed for volume "cfg"/);
      await showStatus(engine, shopStatus(workspaceDir()));
    });

    it('Show Topology Graph on an open graph shows it where it is', async () => {
      const api = await flotilla();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('flotilla.showGraph');
      const panel = api.graph();
      assert.ok(panel, 'no graph panel');
      await until(() => (panel.lastGraph?.nodes.length ? true : undefined), panel.onDidPostGraph);
      const column = panel.panel.viewColumn;
      await vscode.commands.executeCommand('flotilla.showGraph');
      assert.equal(api.graph(), panel, 'a second panel');
      // An editor opened in the graph's column hides the graph only if the graph is still there.
      const manifest = vscode.Uri.file(path.join(workspaceDir(), 'k8s', 'web.yaml'));
      await vscode.window.showTextDocument(manifest, { viewColumn: column });
      await until(() => (panel.panel.visible ? undefined : true), panel.panel.onDidChangeViewState);
      assert.equal(panel.panel.viewColumn, column);
    });

    it('keeps its page while hidden behind an editor, and sends the current graph when shown again', async () => {
      const api = await flotilla();
      // A fresh panel, settled once its page asked for the first graph.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('flotilla.showGraph');
      const panel = api.graph();
      assert.ok(panel, 'no graph panel');
      await until(() => (panel.lastGraph?.nodes.length ? true : undefined), panel.onDidPostGraph);
      // A page VS Code reloads on showing its tab again is blank for seconds in code-server.
      assert.equal(panel.panel.options.retainContextWhenHidden, true);
      const manifest = vscode.Uri.file(path.join(workspaceDir(), 'k8s', 'web.yaml'));
      await vscode.window.showTextDocument(manifest, { viewColumn: panel.panel.viewColumn });
      await until(() => (panel.panel.visible ? undefined : true), panel.panel.onDidChangeViewState);
      let posted = 0;
      const counting = panel.onDidPostGraph(() => posted++);
      try {
        panel.panel.reveal();
        await until(() => (posted > 0 ? true : undefined), panel.onDidPostGraph);
        assert.ok(panel.panel.visible, 'the graph is not shown again');
        assert.equal(panel.lastGraph?.nodes.length, 5, 'the graph sent is not the running stack');
      } finally {
        counting.dispose();
      }
    });
  });
}
