// Topology and Endpoints views fed by a scripted controller: structure, descriptions,
// context values for the inline actions, and live updates from pushed snapshots.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { FakeEngine, shopStatus } from './fake-engine';
import { flotilla, showStatus, until, workspaceDir } from './util';

export default function (): void {
  describe('views', () => {
    let engine: FakeEngine;

    before(async () => {
      const api = await flotilla();
      engine = new FakeEngine(shopStatus(workspaceDir()));
      await api.ctx.useEngine(engine);
      assert.equal(api.ctx.session?.connected, true);
    });

    const item = async <T>(provider: vscode.TreeDataProvider<T>, el: T) => provider.getTreeItem(el);

    it('shows the stack, then deployments → replicas, with state and badges', async () => {
      const { ctx } = await flotilla();
      const [stack, ...deployments] = ctx.topology.getChildren();
      const stackItem = await item(ctx.topology, stack);
      assert.equal(stackItem.label, 'shop');
      assert.match(String(stackItem.description), /degraded · 3\/4 ready/);
      assert.equal(stackItem.contextValue, 'flotilla.stack.up');
      assert.deepEqual(
        deployments.map((d) => (d.kind === 'deployment' ? d.deployment : '')),
        ['web', 'api', 'worker'],
      );
      const apiItem = await item(ctx.topology, deployments[1]);
      assert.equal(apiItem.description, '2/2 ready · HPA 2–5');
      assert.equal(apiItem.contextValue, 'flotilla.deployment');
      const [worker] = ctx.topology.getChildren(deployments[2]);
      const workerItem = await item(ctx.topology, worker);
      assert.match(String(workerItem.description), /^CrashLoopBackOff \d+s · ↻3$/);
      assert.equal(workerItem.contextValue, 'flotilla.replica.live');
    });

    it('updates from a pushed snapshot (scale 2 → 3)', async () => {
      const { ctx } = await flotilla();
      const changed = until(
        () => (ctx.session?.status?.deployments[1]?.replicas.length === 3 ? true : undefined),
        ctx.topology.onDidChangeTreeData,
      );
      engine.push(shopStatus(workspaceDir(), { apiDesired: 3 }));
      await changed;
      const api = ctx.topology.deploymentNode('api');
      assert.ok(api);
      assert.equal(ctx.topology.getChildren(api).length, 3);
      await showStatus(engine, shopStatus(workspaceDir()));
    });

    it("shows a replica's kubectl reason: its code on the row, the whole text in the tooltip", async () => {
      const { ctx } = await flotilla();
      const s = shopStatus(workspaceDir());
      const web = s.deployments[0];
      web.ready = 0;
      web.replicas[0] = { ...web.replicas[0], state: 'Creating', ready: false, restarts: 2, reason: 'Init:Error' };
      s.deployments[1].replicas[1] = {
        ...s.deployments[1].replicas[1],
        state: 'Pending',
        ready: false,
        container: '',
        node: '',
        reason: 'CreateContainerConfigError',
        pendingReason: 'CreateContainerConfigError: configmap "api-settings" not found',
      };
      await showStatus(engine, s);
      const row = async (id: string) => {
        const node = ctx.topology.node(id);
        assert.ok(node, id);
        return ctx.topology.resolveTreeItem(await item(ctx.topology, node), node);
      };
      const init = await row('replica/web-7c9d-1');
      assert.equal(init.description, 'Init:Error · ↻2');
      assert.match(String(init.tooltip), /reason: Init:Error/);
      assert.ok(init.iconPath instanceof vscode.ThemeIcon && init.iconPath.id === 'error');
      const config = await row('replica/api-5d8f-2');
      assert.equal(config.description, 'CreateContainerConfigError');
      assert.match(String(config.tooltip), /configmap "api-settings" not found/);
      const deployment = await row('deployment/web');
      assert.ok(deployment.iconPath instanceof vscode.ThemeIcon && deployment.iconPath.id === 'warning');
      assert.match(String(deployment.tooltip), /web-7c9d-1: Init:Error/);
      await showStatus(engine, shopStatus(workspaceDir()));
    });

    it('shows services → URLs → endpoints with readiness and connections', async () => {
      const { ctx } = await flotilla();
      const services = ctx.endpoints.getChildren();
      assert.deepEqual(
        services.map((s) => s.service),
        ['web', 'api'],
      );
      const [url] = ctx.endpoints.getChildren(services[1]);
      const urlItem = await item(ctx.endpoints, url);
      assert.equal(urlItem.label, 'http://127.0.0.1:41002');
      assert.equal(urlItem.contextValue, 'flotilla.url');
      const endpoints = ctx.endpoints.getChildren(url);
      assert.equal(endpoints.length, 2);
      const epItem = await item(ctx.endpoints, endpoints[0]);
      assert.equal(epItem.description, '172.30.0.11:3000 · ready');
      assert.match(String(epItem.tooltip), /connections: 1 active, 9 in all/);
    });

    it('empties the views when the controller goes away', async () => {
      const { ctx } = await flotilla();
      ctx.session!.detach();
      assert.deepEqual(ctx.topology.getChildren(), []);
      assert.deepEqual(ctx.endpoints.getChildren(), []);
      await ctx.session!.attach();
      assert.equal(ctx.topology.getChildren().length, 4);
    });
  });
}
