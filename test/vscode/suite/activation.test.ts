// Activation in a workspace with flotilla.yaml, contributed commands and the light start
// (no controller, no Docker: the views show their welcome content).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, flotilla, workspaceDir } from './util';

export default function (): void {
  describe('activation', () => {
    it('activates for a workspace that holds flotilla.yaml', async () => {
      assert.ok(fs.existsSync(path.join(workspaceDir(), 'flotilla.yaml')));
      const api = await flotilla();
      assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
      assert.equal(api.ctx.location?.dir, workspaceDir());
    });

    it('registers every contributed command', async () => {
      await flotilla();
      const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
        contributes: { commands: { command: string }[] };
      };
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
      assert.deepEqual(missing, []);
    });

    it('starts without a controller: no status, nothing spawned', async () => {
      const api = await flotilla();
      // The scripted engine of other suites may be installed; this checks the default.
      if (api.ctx.session?.connected) return;
      assert.equal(api.ctx.session?.status, undefined);
      assert.equal(api.ctx.controller.running, false);
      assert.deepEqual(api.ctx.topology.getChildren(), []);
    });

    it('Up with an unreachable Docker engine fails and switches to the fix-it welcome view', async function () {
      this.timeout(60_000);
      const api = await flotilla();
      const cfg = vscode.workspace.getConfiguration('flotilla');
      await cfg.update('docker.host', 'unix:///nonexistent/flotilla-test.sock', vscode.ConfigurationTarget.Global);
      try {
        const started = await vscode.commands.executeCommand<boolean>('flotilla.up');
        assert.equal(started, false);
        assert.equal(api.ctx.isDockerUnreachable, true);
        assert.equal(api.ctx.controller.running, false);
        assert.deepEqual(api.ctx.topology.getChildren(), []);
      } finally {
        await cfg.update('docker.host', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('declares limited support for untrusted workspaces and typed settings', () => {
      const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
      assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
      const cfg = vscode.workspace.getConfiguration('flotilla');
      assert.equal(cfg.get('balancer.bindAddress'), '127.0.0.1');
      assert.equal(typeof cfg.get('nodePool.count'), 'number');
    });
  });
}
