// The containers of a removed Job, removed from every node. Swarm before Docker 23 (swarmkit #3112) leaves the
// tasks of a removed replicated-job service in its store, so their containers stay on their nodes for good;
// the manager's API cannot reach them. `down` therefore runs this small program once on every node, as a
// global service that mounts the node engine's socket (like the stats agent, on the Service proxy's image):
// it removes the containers of the stack's Job services named to it, and nothing else, then exits.
import type Dockerode from 'dockerode';
import { listTasks } from './engine-api';
import { SWARM_LABELS, swarmName } from './names';

/** The program, run with `node -e`: plain Node, no dependency. */
export function cleanupProgram(stack: string, services: string[]): string {
  return `
const http = require('http');
const call = (method, p) => new Promise((res, rej) => {
  const req = http.request({ socketPath: '/var/run/docker.sock', method, path: p }, (r) => {
    let b = ''; r.on('data', (c) => (b += c)); r.on('end', () => res({ status: r.statusCode, body: b }));
  });
  req.on('error', rej);
  req.end();
});
const services = new Set(${JSON.stringify(services)});
const filter = encodeURIComponent(JSON.stringify({ label: [${JSON.stringify(`${SWARM_LABELS.stack}=${stack}`)}] }));
(async () => {
  const list = JSON.parse((await call('GET', '/containers/json?all=1&filters=' + filter)).body);
  let n = 0;
  for (const c of list) {
    if (!services.has(c.Labels['com.docker.swarm.service.name'])) continue;
    const r = await call('DELETE', '/containers/' + c.Id + '?force=1');
    if (r.status < 300 || r.status === 404) n++;
    else throw new Error('removing ' + c.Id + ': ' + r.body);
  }
  console.log('removed ' + n + ' Job container(s)');
})().then(() => process.exit(0), (e) => { console.error(String(e && e.message)); process.exit(1); });
`;
}

export function jobCleanupSpec(stack: string, image: string, services: string[]): Dockerode.ServiceSpec {
  const labels = {
    [SWARM_LABELS.stack]: stack,
    [SWARM_LABELS.role]: 'setup',
    [SWARM_LABELS.source]: 'flotilla/job-cleanup',
  };
  return {
    Name: swarmName(stack, 'flotilla-job-cleanup'),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: labels,
        Command: ['node', '-e', cleanupProgram(stack, services)],
        User: '0',
        Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' }],
      },
      // A global service (not a global job, which would leave its own tasks behind in the same way).
      RestartPolicy: { Condition: 'none' },
    },
    Mode: { Global: {} },
  };
}

/**
 * Runs the cleanup on every ready node and removes it. Resolves false when it could not finish on every node
 * within the deadline (the Job containers left are then named by the caller).
 */
export async function runJobCleanup(
  docker: Dockerode,
  spec: Dockerode.ServiceSpec,
  readyNodes: number,
  timeoutMs = 60_000,
): Promise<boolean> {
  const name = spec.Name ?? '';
  await docker
    .getService(name)
    .remove()
    .catch(() => undefined); // none left by an interrupted down
  await docker.createService(spec);
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const tasks = await listTasks(docker, { service: [name] });
      const done = tasks.filter((t) => ['complete', 'failed', 'rejected'].includes(t.Status?.State ?? ''));
      if (done.length >= readyNodes) return done.every((t) => t.Status?.State === 'complete');
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  } finally {
    await docker
      .getService(name)
      .remove()
      .catch(() => undefined); // already gone
  }
}
