// The Ctx owns every long-lived piece (graph panel, log followers, language client, one
// Config), commands that need the controller say so without one, and shells reach the
// Docker engine the controller uses even after the setting changed.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ConfigChange } from '../../../extension/client/config';
import { STACK_GLOB } from '../../../extension/client/stack-file';
import { FakeEngine, shopStatus } from './fake-engine';
import { EXTENSION_ID, flotilla, showStatus, until, workspaceDir } from './util';

export default function (): void {
  describe('ctx', () => {
    let engine: FakeEngine;

    before(async () => {
      const api = await flotilla();
      engine = new FakeEngine(shopStatus(workspaceDir()));
      await api.ctx.useEngine(engine);
    });

    it('owns the graph panel: a second Show reveals the same panel, closing it forgets it', async () => {
      const { ctx } = await flotilla();
      await vscode.commands.executeCommand('flotilla.showGraph');
      const first = ctx.graph;
      assert.ok(first, 'no graph panel');
      await vscode.commands.executeCommand('flotilla.showGraph');
      assert.equal(ctx.graph, first);
      const closed = until(() => (ctx.graph ? undefined : true), first.panel.onDidDispose);
      first.panel.dispose();
      await closed;
      assert.equal(ctx.graph, undefined);
    });

    it('owns the language client', async () => {
      const { ctx, languageClientReady } = await flotilla();
      await languageClientReady;
      assert.equal(ctx.languageClient?.isRunning(), true);
    });

    it('Shell into Replica uses the Docker engine the controller reports, not a changed setting', async () => {
      const { ctx } = await flotilla();
      const cfg = vscode.workspace.getConfiguration('flotilla');
      const status = shopStatus(workspaceDir());
      status.controller.dockerHost = 'unix:///run/flotilla-test-controller.sock';
      await showStatus(engine, status);
      await cfg.update('docker.host', 'unix:///run/flotilla-test-setting.sock', vscode.ConfigurationTarget.Global);
      try {
        const terminal = await vscode.commands.executeCommand<vscode.Terminal>('flotilla.shell', 'api-5d8f-1');
        assert.ok(terminal, 'no terminal');
        const options = terminal.creationOptions;
        assert.ok('env' in options, 'not a shell terminal');
        assert.equal(options.env?.DOCKER_HOST, 'unix:///run/flotilla-test-controller.sock');
        assert.deepEqual(options.shellArgs, ['exec', '-it', 'c0ffee1', 'sh']);
        terminal.dispose();
        assert.equal(ctx.config.current.dockerHost, 'unix:///run/flotilla-test-setting.sock');
      } finally {
        await cfg.update('docker.host', undefined, vscode.ConfigurationTarget.Global);
        await showStatus(engine, shopStatus(workspaceDir()));
      }
    });

    it('one Config tells engine settings (a controller restart applies them) from others', async () => {
      const { ctx } = await flotilla();
      const cfg = vscode.workspace.getConfiguration('flotilla');
      const next = () => new Promise<ConfigChange>((resolve) => ctx.config.onDidChange(resolve));
      try {
        let change = next();
        await cfg.update('nodePool.count', 3, vscode.ConfigurationTarget.Global);
        assert.equal((await change).engine, true);
        assert.equal(ctx.config.current.nodePool.count, 3);
        assert.equal(ctx.config.engineEnv().FLOTILLA_NODE_COUNT, '3');
        change = next();
        await cfg.update('lint.rules', { FD3057: 'off' }, vscode.ConfigurationTarget.Global);
        assert.equal((await change).engine, false);
      } finally {
        await cfg.update('nodePool.count', undefined, vscode.ConfigurationTarget.Global);
        await cfg.update('lint.rules', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    it('an intent without a running controller sends nothing', async () => {
      const { ctx } = await flotilla();
      engine.requests.length = 0;
      ctx.session?.detach();
      try {
        await vscode.commands.executeCommand('flotilla.scaleUp', {
          kind: 'deployment',
          id: 'deployment/api',
          deployment: 'api',
        });
        await vscode.commands.executeCommand('flotilla.killReplica', 'api-5d8f-1');
        assert.deepEqual(engine.requests, []);
      } finally {
        await ctx.session?.attach();
      }
    });

    it('activates on, and finds, stack files spelled .yml', async () => {
      const pkg: { activationEvents: string[] } = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
      for (const f of ['flotilla.yaml', 'flotilla.yml', 'skaffold.yaml', 'skaffold.yml']) {
        assert.ok(pkg.activationEvents.includes(`workspaceContains:**/${f}`), f);
      }
      const dir = vscode.Uri.joinPath(vscode.Uri.file(workspaceDir()), 'yml-stack');
      const file = vscode.Uri.joinPath(dir, 'flotilla.yml');
      await vscode.workspace.fs.writeFile(file, Buffer.from('name: yml-stack\nmanifests: []\n'));
      try {
        const found = await vscode.workspace.findFiles(STACK_GLOB);
        assert.ok(
          found.some((u) => u.fsPath === file.fsPath),
          found.map((u) => u.fsPath).join('\n'),
        );
      } finally {
        await vscode.workspace.fs.delete(dir, { recursive: true });
      }
    });
  });
}
