// Task stats for `flotilla deploy --watch`. A manager's API has no container stats of other nodes' tasks, so
// a global service runs this small program on every node: it reads the node engine's stats of the stack's
// containers (through the engine's socket, mounted read-only) and serves them as JSON on a port published in
// host mode, where the autoscaler on the user's machine polls every node's address. It runs on the Service
// proxy's image (it only needs node), so nothing more is built or pushed.
import type Dockerode from 'dockerode';
import { SWARM_LABELS, swarmName } from './names';

export const STATS_PORT = 29_111;

/** The agent, run with `node -e`: plain Node, no dependency. */
export function agentProgram(stack: string, port: number): string {
  return `
const http = require('http');
const sock = '/var/run/docker.sock';
const api = (p) => new Promise((res, rej) => http.get({ socketPath: sock, path: p }, (r) => {
  let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => { try { res(JSON.parse(b)); } catch (e) { rej(e); } });
}).on('error', rej));
const filter = encodeURIComponent(JSON.stringify({ label: [${JSON.stringify(`${SWARM_LABELS.stack}=${stack}`)}], status: ['running'] }));
async function sample() {
  const list = await api('/containers/json?filters=' + filter);
  return Promise.all(list.map(async (c) => {
    // A task that ended between the listing and this call has no stats: it is left out of this sample.
    const s = await api('/containers/' + c.Id + '/stats?stream=false').catch(() => undefined);
    if (!s || !s.precpu_stats || !s.precpu_stats.system_cpu_usage) return undefined;
    const dTotal = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
    const dSystem = s.cpu_stats.system_cpu_usage - s.precpu_stats.system_cpu_usage;
    const cpus = s.cpu_stats.online_cpus || 1;
    const inactive = (s.memory_stats.stats || {}).total_inactive_file || (s.memory_stats.stats || {}).inactive_file || 0;
    return {
      container: c.Id,
      task: c.Labels['com.docker.swarm.task.id'],
      service: c.Labels['com.docker.swarm.service.name'],
      workload: c.Labels[${JSON.stringify(SWARM_LABELS.workload)}],
      cpuMilli: dSystem > 0 && dTotal >= 0 ? (dTotal / dSystem) * cpus * 1000 : 0,
      memoryBytes: Math.max(0, (s.memory_stats.usage || 0) - inactive),
    };
  })).then((all) => all.filter(Boolean));
}
http.createServer((req, res) => {
  sample().then((body) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); },
    (e) => { res.writeHead(500); res.end(String(e && e.message)); });
}).listen(${port});
process.on('SIGTERM', () => process.exit(0));
`;
}

export function statsServiceName(stack: string): string {
  return swarmName(stack, 'flotilla-stats');
}

/** The agent's service: global, the node engine's socket read-only, its port published on every node. */
export function statsServiceSpec(
  stack: string,
  image: string,
  network: string,
  port = STATS_PORT,
): Dockerode.ServiceSpec {
  const labels = {
    [SWARM_LABELS.stack]: stack,
    [SWARM_LABELS.role]: 'stats',
    [SWARM_LABELS.source]: 'flotilla/stats',
  };
  return {
    Name: statsServiceName(stack),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: labels,
        Command: ['node', '-e', agentProgram(stack, port)],
        Init: true,
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true }],
      },
      Resources: { Limits: { MemoryBytes: 64 * 1024 * 1024 } },
      RestartPolicy: { Condition: 'any', Delay: 1e9 },
      Networks: [{ Target: network }],
    },
    Mode: { Global: {} },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: port, PublishedPort: port, PublishMode: 'host' }],
    },
  };
}

export interface TaskUsage {
  container: string;
  task: string;
  service: string;
  workload?: string;
  cpuMilli: number;
  memoryBytes: number;
}

/** Every node's agent, asked at once; a node that does not answer just gives no samples (the HPA treats them as missing). */
export async function pollAgents(addrs: string[], port = STATS_PORT, timeoutMs = 5000): Promise<TaskUsage[]> {
  const all = await Promise.all(
    addrs.map(async (a) => {
      try {
        const r = await fetch(`http://${a}:${port}/`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!r.ok) return [];
        const body: unknown = await r.json();
        return Array.isArray(body) ? body.filter(isUsage) : [];
      } catch {
        return []; // unreachable node: its tasks have no sample this round
      }
    }),
  );
  return all.flat();
}

function isUsage(v: unknown): v is TaskUsage {
  return typeof v === 'object' && v !== null && 'task' in v && 'cpuMilli' in v && 'memoryBytes' in v;
}
