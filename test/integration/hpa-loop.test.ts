// The HPA loop end to end on the real engine: connections held open through a
// Service's load balancer raise the per-replica `flotilla_active_connections`
// metric, the deployment scales up; once they close it scales back down after
// the (shortened) stabilization window. CPU figures come from streamed stats.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { removeStack, stackContainers, startStack, uniqueName, waitFor, writeStack, type Running } from '../support/stack-fixture';

const SERVER = "require('http').createServer((q,s)=>s.end('ok')).listen(8080)";

describe('horizontal autoscaling (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;
  const sockets: net.Socket[] = [];

  before(() => execFileSync('bash', [path.resolve(__dirname, '../../extension/scripts/base-images.sh')], { stdio: 'ignore' }));
  afterEach(async () => {
    sockets.forEach((s) => s.destroy());
    await run?.stop();
    await removeStack(name);
  });

  it('scales up on held connections and back down after the window', async () => {
    name = uniqueName('t-hpa');
    const dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {hpaSyncSeconds: 1, terminationGracePeriodSeconds: 1}\n`,
      'k8s/app.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
        - name: echo
          image: flotilla.local/node:20
          command: ["node", "-e", "${SERVER}"]
          ports: [{name: http, containerPort: 8080}]
          resources: {requests: {cpu: 50m, memory: 32Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: echo}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: echo}
  minReplicas: 1
  maxReplicas: 4
  metrics:
    - type: Pods
      pods:
        metric: {name: flotilla_active_connections}
        target: {type: AverageValue, averageValue: "2"}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 3}
`,
    });
    run = await startStack(dir);
    const ctl = run.ctl;
    const url = await waitFor('a ready endpoint and a URL', () => {
      const s = ctl.status().services[0];
      return s.endpoints.some((e) => e.ready) && s.urls[0];
    });
    const { port } = new URL(url);
    for (let i = 0; i < 6; i++) {
      const s = net.connect(Number(port), '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
    }
    await waitFor('scaled up to 3', () => ctl.status().deployments[0].desired === 3, 60_000);
    const hpa = ctl.status().deployments[0].hpa;
    assert.ok(hpa && hpa.currentMetrics.some((m) => m.name === 'flotilla_active_connections'), JSON.stringify(hpa));
    await waitFor('3 running replicas', async () => (await stackContainers(name)).filter((c) => c.State === 'running').length === 3, 60_000);
    await waitFor('cpu and memory figures on replicas', () => ctl.status().deployments[0].replicas.some((r) => r.memoryBytes !== undefined && r.cpuPercent !== undefined), 30_000);

    sockets.forEach((s) => s.destroy());
    await waitFor('scaled back down to 1', () => ctl.status().deployments[0].desired === 1, 60_000);
    assert.match(ctl.status().deployments[0].hpa?.lastReason ?? '', /below target|New size: 1/);
  });
});
