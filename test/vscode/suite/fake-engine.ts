// A scripted engine for extension-host tests: the extension sees a controller that
// serves a given StackStatus, pushes snapshots and events on demand, and records the
// intents it receives. It exercises the real views and commands without Docker.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type {
  ControlRequests,
  ControlResponse,
  StackStatus,
  WatchMessage,
} from '../../../extension/engine/api/protocol';
import type { EngineApi, EngineConnection } from '../../../extension/client/engine-link';

export class FakeEngine implements EngineApi {
  readonly requests: { path: keyof ControlRequests; body: unknown }[] = [];
  /** Usage requests (the Topology view asks while visible), kept apart from the commands' requests. */
  readonly usageRequests: string[][] = [];
  private listeners = new Set<(m: WatchMessage) => void>();
  private readonly posted = new vscode.EventEmitter<void>();
  readonly onDidPost = this.posted.event;
  /** While set, answers wait for it: requests stay in flight, as on a busy controller. */
  hold: Promise<void> | undefined;

  constructor(public current: StackStatus) {}

  async connect(): Promise<EngineConnection> {
    return {
      status: async () => this.current,
      watch: (onMessage, signal) =>
        new Promise<void>((resolve) => {
          this.listeners.add(onMessage);
          signal.addEventListener('abort', () => {
            this.listeners.delete(onMessage);
            resolve();
          });
        }),
      post: async <P extends keyof ControlRequests>(path: P, body: ControlRequests[P]): Promise<ControlResponse> => {
        const replicas = field(body, 'replicas');
        if (path === '/v1/usage' && Array.isArray(replicas)) {
          this.usageRequests.push(replicas.map(String));
          return { ok: true };
        }
        this.requests.push({ path, body });
        this.posted.fire();
        await this.hold;
        return path === '/v1/scale' ? this.scale(body) : { ok: true };
      },
    };
  }

  /** Applies a scale as the controller does (in arrival order) and answers with the new count; push() shows it. */
  private scale(body: unknown): ControlResponse {
    const name = field(body, 'deployment');
    this.current = structuredClone(this.current); // the shown snapshot stays as it was until a push
    const d = this.current.deployments.find((x) => x.name === name);
    if (!d) return { ok: false, message: `no deployment ${String(name)}` };
    const delta = field(body, 'delta');
    const replicas = field(body, 'replicas');
    if (typeof delta === 'number') d.desired = Math.max(0, d.desired + delta);
    else if (typeof replicas === 'number') d.desired = replicas;
    else if (field(body, 'reset') === true) {
      d.desired = d.scaledByHand?.manifestReplicas ?? d.desired;
      delete d.scaledByHand;
    }
    return { ok: true, message: `deployment/${d.name} scaled to ${d.desired}`, replicas: d.desired };
  }

  push(status: StackStatus): void {
    this.current = status;
    this.listeners.forEach((l) => l({ kind: 'status', status }));
  }

  get watching(): number {
    return this.listeners.size;
  }
}

function field(v: unknown, key: string): unknown {
  return typeof v === 'object' && v !== null && key in v ? Reflect.get(v, key) : undefined;
}

/** A running "shop" stack, shaped like the example's. */
export function shopStatus(dir: string, over: { apiDesired?: number } = {}): StackStatus {
  const apiDesired = over.apiDesired ?? 2;
  const replica = (name: string, node: string, i: number) => ({
    name,
    container: `c0ffee${i}`,
    node,
    state: 'Running' as const,
    ready: true,
    restarts: 0,
    address: `172.30.0.${10 + i}:3000`,
    cpuPercent: 1.5,
    memoryBytes: 20 * 1024 * 1024,
  });
  const apiReplicas = Array.from({ length: apiDesired }, (_, i) =>
    replica(`api-5d8f-${i + 1}`, i % 2 ? 'node-b' : 'node-a', i + 1),
  );
  return {
    stack: 'shop',
    dir,
    controller: { running: true, pid: 1, dockerConnected: true },
    deployments: [
      {
        name: 'web',
        desired: 1,
        ready: 1,
        manifest: { file: `${dir}/k8s/web.yaml`, line: 1 },
        replicas: [replica('web-7c9d-1', 'node-a', 7)],
      },
      {
        name: 'api',
        desired: apiDesired,
        ready: apiDesired,
        manifest: { file: `${dir}/k8s/api.yaml`, line: 1 },
        replicas: apiReplicas,
        hpa: {
          name: 'api',
          minReplicas: 2,
          maxReplicas: 5,
          currentReplicas: apiDesired,
          desiredReplicas: apiDesired,
          currentMetrics: [{ name: 'cpu', current: 12, target: 60, unit: '%' }],
        },
      },
      {
        name: 'worker',
        desired: 1,
        ready: 0,
        manifest: { file: `${dir}/k8s/worker.yaml`, line: 1 },
        replicas: [
          {
            name: 'worker-1a2b-1',
            container: 'c0ffee9',
            node: 'node-b',
            state: 'Waiting',
            ready: false,
            restarts: 3,
            backoff: {
              reason: 'CrashLoopBackOff',
              nextRetrySeconds: 40,
              nextRetryAt: new Date(Date.now() + 40_000).toISOString(),
              lastExitCode: 1,
            },
          },
        ],
      },
    ],
    services: [
      {
        name: 'web',
        selector: { app: 'web' },
        manifest: { file: `${dir}/k8s/web.yaml`, line: 32 },
        urls: ['http://127.0.0.1:41001'],
        ports: [{ name: 'http', port: 80, targetPort: 'http', hostPort: 41001, url: 'http://127.0.0.1:41001' }],
        endpoints: [
          {
            replica: 'web-7c9d-1',
            address: '172.30.0.17:8080',
            ready: true,
            activeConnections: 0,
            totalConnections: 4,
          },
        ],
      },
      {
        name: 'api',
        selector: { app: 'api' },
        manifest: { file: `${dir}/k8s/api.yaml`, line: documentLine(`${dir}/k8s/api.yaml`, 'Service') },
        urls: ['http://127.0.0.1:41002'],
        ports: [{ port: 3000, targetPort: 3000, hostPort: 41002, url: 'http://127.0.0.1:41002' }],
        endpoints: apiReplicas.map((r) => ({
          replica: r.name,
          address: r.address,
          ready: true,
          activeConnections: 1,
          totalConnections: 9,
        })),
      },
    ],
    pending: [],
  };
}

/** 1-based line where the document of `kind` starts in a manifest, as the engine reports it. */
function documentLine(file: string, kind: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l === `kind: ${kind}`);
  return at > 0 && lines[at - 1].startsWith('apiVersion:') ? at : at + 1;
}
