// Helpers for the in-network Service tests: run Node one-liners inside a stack's
// client container (HTTP through a Service name, name lookups the way applications
// do them: getaddrinfo, which follows the pod's resolv.conf search list and ndots).
import { dockerExec } from '../../extension/engine/health/checks';
import { LABELS } from '../../extension/engine/docker/labels';
import { docker } from '../support/stack-fixture';

export async function run(id: string, cmd: string[], timeoutMs = 20_000): Promise<string> {
  const r = await dockerExec(docker, id, cmd, timeoutMs);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${r.exitCode}: ${r.output}`);
  return r.output.trim();
}

/** GET url from inside the container: "200 <body>" or the error code (ECONNREFUSED, ENOTFOUND...). */
export async function httpFrom(id: string, url: string): Promise<string> {
  const script = `require('http').get(process.argv[1], {timeout: 4000, agent: false}, (r) => {
    let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(r.statusCode + ' ' + b.trim()));
  }).on('timeout', function () { console.log('TIMEOUT'); this.destroy(); }).on('error', (e) => console.log(e.code || e.message));`;
  return run(id, ['node', '-e', script, url]);
}

/** All IPv4 addresses getaddrinfo gives for name, sorted, or the error code. */
export async function lookupFrom(id: string, name: string): Promise<string[] | string> {
  const script = `require('dns').lookup(process.argv[1], {all: true, family: 4}, (e, a) =>
    console.log(e ? e.code : JSON.stringify(a.map((x) => x.address).sort())));`;
  const out = await run(id, ['node', '-e', script, name]);
  return out.startsWith('[') ? (JSON.parse(out) as string[]) : out;
}

/**
 * A deployment's running replicas: the app container to exec in, and the pod's address
 * (held by the sandbox when the pod has one).
 */
export async function replicasOf(
  stack: string,
  deployment: string,
): Promise<{ id: string; replica: string; ip: string }[]> {
  const list = await docker.listContainers({
    filters: { label: [`${LABELS.stack}=${stack}`, `${LABELS.deployment}=${deployment}`] },
  });
  const pods = new Map<string, { id: string; replica: string; ip: string }>();
  for (const c of list.filter((x) => x.State === 'running')) {
    const replica = c.Labels[LABELS.replica];
    const pod = pods.get(replica) ?? { id: '', replica, ip: '' };
    const ip = Object.values(c.NetworkSettings.Networks)[0]?.IPAddress ?? '';
    if (ip) pod.ip = ip;
    const app = !c.Labels[LABELS.role] && !c.Labels[LABELS.initContainer];
    if (app && (!pod.id || c.Names[0]?.endsWith(replica))) pod.id = c.Id;
    pods.set(replica, pod);
  }
  return [...pods.values()].filter((p) => p.id && p.ip).sort((a, b) => a.replica.localeCompare(b.replica));
}

export async function proxyContainers(stack: string): Promise<{ Id: string; State: string }[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${stack}`, LABELS.proxy] } });
}
