// The editor as a user meets it, against a scripted controller: quick scale clicks add up,
// rows survive updates, every view shows the same moment, a hand scale is visible and can
// be reset, and the small things (status item label, log timestamps).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { StackStatus } from '../../../extension/engine/api/protocol';
import type { TopologyNode } from '../../../extension/client/views/topology';
import { FakeEngine, shopStatus } from './fake-engine';
import { flotilla, showStatus, until, workspaceDir } from './util';

export default function (): void {
  describe('the editor experience', () => {
    let engine: FakeEngine;

    before(async () => {
      const api = await flotilla();
      engine = new FakeEngine(shopStatus(workspaceDir()));
      await api.ctx.useEngine(engine);
    });

    beforeEach(async () => {
      engine.requests.length = 0;
      await show(shopStatus(workspaceDir()));
    });

    const show = (s: StackStatus) => showStatus(engine, s);

    // A command that wrongly opened a quick pick must not leave it open for the next test.
    afterEach(() => vscode.commands.executeCommand('workbench.action.closeQuickOpen'));

    const description = async (id: string) => {
      const { ctx } = await flotilla();
      const node = ctx.topology.node(id);
      return node ? String((await ctx.topology.getTreeItem(node)).description) : undefined;
    };

    it('three quick +1 clicks send three deltas, in order, and the row shows where they lead', async () => {
      const { ctx } = await flotilla();
      let release!: () => void;
      engine.hold = new Promise((r) => (release = r));
      const web = ctx.topology.node('deployment/web');
      const clicks = [1, 2, 3].map(() => vscode.commands.executeCommand('flotilla.scaleUp', web));
      await until(() => (engine.requests.length === 1 ? true : undefined), engine.onDidPost);
      assert.equal(await description('deployment/web'), '1/1 ready · scaling to 4');
      engine.hold = undefined;
      release();
      await Promise.all(clicks);
      assert.deepEqual(
        engine.requests.map((r) => r.body),
        [1, 2, 3].map(() => ({ deployment: 'web', delta: 1 })),
      );
      engine.push(engine.current); // the controller's next snapshot: web wants 4
      await until(() => (ctx.status?.deployments[0].desired === 4 ? true : undefined), ctx.onDidChangeStatus);
      assert.equal(await description('deployment/web'), '1/4 ready');
    });

    it('a snapshot refreshes only the rows it changed, never the whole tree', async () => {
      const { ctx } = await flotilla();
      const fired: (TopologyNode | undefined)[] = [];
      const sub = ctx.topology.onDidChangeTreeData((e) => fired.push(...(Array.isArray(e) ? e : [e])));
      try {
        const next = shopStatus(workspaceDir());
        next.deployments[1].replicas[0].cpuPercent = 97.5;
        next.deployments[1].replicas[0].ready = false;
        next.deployments[1].ready = 1;
        engine.push(next);
        await until(
          () => (fired.some((n) => n?.id === 'replica/api-5d8f-1') ? true : undefined),
          ctx.topology.onDidChangeTreeData,
        );
        assert.ok(!fired.includes(undefined), 'the whole tree was refreshed');
        const ids = new Set(fired.map((n) => n?.id));
        for (const id of ['stack/shop', 'deployment/api', 'replica/api-5d8f-1']) assert.ok(ids.has(id), id);
        for (const id of ['deployment/web', 'replica/web-7c9d-1', 'replica/api-5d8f-2']) assert.ok(!ids.has(id), id);
      } finally {
        sub.dispose();
      }
    });

    it('an inline action whose row was refreshed away says so, and opens no quick pick', async () => {
      // VS Code passes `undefined` for a row it no longer knows; a picker would block here.
      for (const id of ['flotilla.scaleUp', 'flotilla.scaleDown', 'flotilla.killReplica', 'flotilla.rollingRestart']) {
        await vscode.commands.executeCommand(id, undefined);
      }
      assert.deepEqual(engine.requests, []);
    });

    it('Scale +1 without a row acts on the deployment selected in Topology, else says why', async () => {
      const { ctx } = await flotilla();
      await vscode.commands.executeCommand('flotilla.topology.focus');
      const api = ctx.topology.deploymentNode('api');
      assert.ok(api);
      await ctx.topologyView.reveal(api, { select: true, focus: true });
      await vscode.commands.executeCommand('flotilla.scaleUp');
      assert.deepEqual(engine.requests[0]?.body, { deployment: 'api', delta: 1 });
      const stack = ctx.topology.node('stack/shop');
      assert.ok(stack);
      await ctx.topologyView.reveal(stack, { select: true, focus: true });
      await vscode.commands.executeCommand('flotilla.scaleUp');
      assert.equal(engine.requests.length, 1);
    });

    it('every view shows the same snapshot, even in a burst of them', async () => {
      const { ctx } = await flotilla();
      const problems: string[] = [];
      const check = (s: StackStatus | undefined) => {
        if (!s) return;
        const rows = ctx.topology.rows.rows;
        const total = /(\d+)\/(\d+) ready/.exec(rows.get('stack/shop')?.description ?? '');
        let ready = 0;
        let desired = 0;
        for (const d of s.deployments) {
          const m = /^(\d+)\/(\d+) ready/.exec(rows.get(`deployment/${d.name}`)?.description ?? '');
          ready += Math.min(Number(m?.[1]), Number(m?.[2]));
          desired += Number(m?.[2]);
        }
        if (total?.[1] !== String(ready) || total?.[2] !== String(desired)) {
          problems.push(`stack row ${total?.[0]} vs deployments ${ready}/${desired}`);
        }
        if (!ctx.views.statusBar.text.endsWith(` ${total?.[1]}/${total?.[2]}`)) {
          problems.push(`status bar "${ctx.views.statusBar.text}" vs stack row ${total?.[0]}`);
        }
        for (const svc of s.services) {
          const row = ctx.endpoints.rows.rows.get(`service/${svc.name}`);
          const listed = [...ctx.endpoints.rows.rows.values()].filter(
            (r) => r.node.kind === 'endpoint' && r.node.service === svc.name,
          );
          const ok = listed.filter((r) => r.description?.endsWith('· ready')).length;
          if (!row?.description?.startsWith(`${ok}/${listed.length} endpoints ready`)) {
            problems.push(`service ${svc.name} "${row?.description}" beside ${ok}/${listed.length} listed`);
          }
        }
      };
      const sub = ctx.onDidChangeStatus(check);
      try {
        for (let i = 0; i < 12; i++) {
          const s = shopStatus(workspaceDir(), { apiDesired: 2 + (i % 3) });
          s.deployments[1].ready = i % 2;
          s.deployments[1].replicas.forEach((r, j) => (r.ready = j < i % 2));
          // A Service that publishes no port: its endpoints are listed under it, and counted.
          s.services[1].ports = s.services[1].ports.map((p) => ({ ...p, url: undefined, error: 'port in use' }));
          s.services[1].endpoints.forEach((e, j) => (e.ready = j < i % 2));
          engine.push(s);
        }
        await until(() => (ctx.status === engine.current ? true : undefined), ctx.onDidChangeStatus);
        check(ctx.status);
        assert.deepEqual(problems, []);
      } finally {
        sub.dispose();
      }
    });

    it('shows a hand scale on the row and Reset to Manifest sends the reset', async () => {
      const { ctx } = await flotilla();
      const s = shopStatus(workspaceDir());
      s.deployments[0].desired = 2;
      s.deployments[0].scaledByHand = { replicas: 2, manifestReplicas: 1 };
      await show(s);
      const web = ctx.topology.deploymentNode('web');
      assert.ok(web);
      const item = await ctx.topology.getTreeItem(web);
      assert.equal(item.description, '1/2 ready · by hand (manifest 1)');
      assert.equal(item.contextValue, 'flotilla.deployment.scaledByHand');
      await vscode.commands.executeCommand('flotilla.resetScale', web);
      assert.deepEqual(engine.requests, [{ path: '/v1/scale', body: { deployment: 'web', reset: true } }]);
    });

    it("the HPA's ⚠ says in the row's tooltip what it warns of", async () => {
      const { ctx } = await flotilla();
      const s = shopStatus(workspaceDir());
      const hpa = s.deployments[1].hpa;
      assert.ok(hpa);
      hpa.unableReason = 'no container of api requests cpu';
      await show(s);
      const api = ctx.topology.deploymentNode('api');
      assert.ok(api);
      const item = await ctx.topology.getTreeItem(api);
      assert.equal(item.description, '2/2 ready · HPA ⚠');
      const resolved = await ctx.topology.resolveTreeItem(item, api);
      assert.match(
        String(resolved.tooltip),
        /⚠ the HPA cannot scale this deployment: no container of api requests cpu/,
      );
    });

    it('the status item reads as a sentence to a screen reader, not as an icon name', async () => {
      const { ctx } = await flotilla();
      assert.equal(ctx.views.statusBar.accessibilityLabel, 'Flotilla stack shop is degraded: 3 of 4 replicas ready');
    });

    it('Toggle Log Timestamps follows the open logs again with timestamps', async function () {
      this.timeout(20_000);
      const { ctx } = await flotilla();
      const cfg = vscode.workspace.getConfiguration('flotilla');
      try {
        await vscode.commands.executeCommand('flotilla.logs', 'web');
        assert.ok(!ctx.logs.argsOf('web')?.includes('--timestamps'));
        const changed = new Promise((resolve) => ctx.config.onDidChange(resolve));
        await vscode.commands.executeCommand('flotilla.toggleLogTimestamps');
        await changed;
        assert.ok(ctx.logs.argsOf('web')?.includes('--timestamps'), String(ctx.logs.argsOf('web')));
      } finally {
        await cfg.update('logs.timestamps', undefined, vscode.ConfigurationTarget.Global);
        ctx.logs.dispose();
      }
    });
  });
}
