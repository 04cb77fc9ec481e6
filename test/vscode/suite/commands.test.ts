// Commands send intents to the controller (never act on Docker themselves), open
// manifests at the resource's line and copy URLs.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FakeEngine, shopStatus } from './fake-engine';
import { flotilla, showStatus, until, workspaceDir } from './util';

export default function (): void {
  describe('commands', () => {
    let engine: FakeEngine;

    before(async () => {
      const api = await flotilla();
      engine = new FakeEngine(shopStatus(workspaceDir()));
      await api.ctx.useEngine(engine);
    });

    beforeEach(() => {
      engine.requests.length = 0;
    });

    it('scale +1 and −1 from a deployment node post a delta the controller applies', async () => {
      const node = { kind: 'deployment', id: 'deployment/api', deployment: 'api' };
      await vscode.commands.executeCommand('flotilla.scaleUp', node);
      await vscode.commands.executeCommand('flotilla.scaleDown', node);
      assert.deepEqual(engine.requests, [
        { path: '/v1/scale', body: { deployment: 'api', delta: 1 } },
        { path: '/v1/scale', body: { deployment: 'api', delta: -1 } },
      ]);
    });

    it('scale to a value, kill (confirmation off) and restart a replica', async () => {
      const cfg = vscode.workspace.getConfiguration('flotilla');
      await cfg.update('confirmKill', false, vscode.ConfigurationTarget.Global);
      try {
        await vscode.commands.executeCommand('flotilla.scale', 'web', 4);
        await vscode.commands.executeCommand('flotilla.killReplica', {
          kind: 'replica',
          id: 'replica/api-5d8f-1',
          deployment: 'api',
          replica: 'api-5d8f-1',
        });
        await vscode.commands.executeCommand('flotilla.restartReplica', 'api-5d8f-2');
      } finally {
        await cfg.update('confirmKill', undefined, vscode.ConfigurationTarget.Global);
      }
      assert.deepEqual(engine.requests, [
        { path: '/v1/scale', body: { deployment: 'web', replicas: 4 } },
        { path: '/v1/replica/kill', body: { replica: 'api-5d8f-1' } },
        { path: '/v1/replica/restart', body: { replica: 'api-5d8f-2' } },
      ]);
    });

    it('rolling restart posts the intent and completes when every replica is replaced', async () => {
      const done = vscode.commands.executeCommand('flotilla.rollingRestart', 'web');
      await until(() => (engine.requests.length ? true : undefined), engine.onDidPost);
      assert.deepEqual(engine.requests[0], { path: '/v1/restart', body: { deployment: 'web' } });
      const next = shopStatus(workspaceDir());
      next.deployments[0].replicas = [{ ...next.deployments[0].replicas[0], name: 'web-8e1f-1' }];
      engine.push(next);
      await done;
      await showStatus(engine, shopStatus(workspaceDir()));
    });

    it('opens a manifest at the resource line', async () => {
      const editor = await vscode.commands.executeCommand<vscode.TextEditor>('flotilla.openManifest', 'api');
      assert.equal(editor.document.uri.fsPath, path.join(workspaceDir(), 'k8s', 'api.yaml'));
      assert.equal(editor.selection.active.line, 0);
      const svc = await vscode.commands.executeCommand<vscode.TextEditor>('flotilla.openManifest', {
        kind: 'service',
        service: 'api',
      });
      // The Service is the second document of api.yaml: the cursor lands on its first line.
      const lines = svc.document.getText().split('\n');
      const serviceLine = lines.findIndex((l, i) => l === 'kind: Service' && lines[i - 1] === 'apiVersion: v1') - 1;
      assert.ok(serviceLine > 0, 'the fixture has a Service document');
      assert.equal(svc.selection.active.line, serviceLine);
      assert.equal(svc.document.lineAt(serviceLine).text, 'apiVersion: v1');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('copies an endpoint URL', async () => {
      await vscode.commands.executeCommand('flotilla.copyUrl', {
        kind: 'url',
        service: 'web',
        url: 'http://127.0.0.1:41001',
        port: 80,
      });
      assert.equal(await vscode.env.clipboard.readText(), 'http://127.0.0.1:41001');
    });
  });
}
