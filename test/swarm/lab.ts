// The 3-node swarm lab (lab.sh) for tests and benches: start it, reach its nodes, stop and restart a node's
// daemon, and tear it down while checking that the host's Docker is as it was (docker0, the default socket's
// containers and swarm state, iptables).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Docker from 'dockerode';

const LAB_SH = path.join(__dirname, 'lab.sh');

export interface LabNode {
  name: string;
  /** unix://… socket of the node's dockerd. */
  host: string;
  /** The node's address on the lab network, reachable from the host. */
  addr: string;
  docker: Docker;
}

export interface Lab {
  id: string;
  dir: string;
  registry: string;
  nodes: LabNode[];
  manager: LabNode;
  /** Copies images from the host's engine to a node (a base image the stack builds FROM). */
  loadImages(node: LabNode, images: string[]): void;
  /** SIGTERM to the node's dockerd, as `systemctl stop docker` does; resolves once it has exited. */
  stopDaemon(node: LabNode): Promise<void>;
  /** Starts a stopped node's dockerd again; resolves once it answers (it then rejoins the swarm by itself). */
  startDaemon(node: LabNode): Promise<void>;
  /** Stops the lab and checks the host's Docker is untouched; throws naming what changed. */
  destroy(): Promise<void>;
}

interface HostSnapshot {
  docker0: string;
  swarm: string;
}

function sh(cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  return r.stdout.trim();
}

function snapshot(): HostSnapshot {
  return {
    docker0: sh(
      "ip -o -4 addr show docker0 2>/dev/null | awk '{print $4}'; ip -o link show docker0 2>/dev/null | grep -c docker0",
    ),
    swarm: sh("env -u DOCKER_HOST docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null"),
  };
}

/** Whether the lab can run here: root, and the tools are present or installable (apt). */
export function labPossible(): string | undefined {
  if (process.getuid?.() !== 0) return 'the swarm lab needs root (network namespaces, a dockerd per node)';
  const r = spawnSync('sh', ['-c', '(command -v dockerd || command -v apt-get) && command -v ip && command -v curl'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? undefined : 'the swarm lab needs dockerd (or apt-get to install it), iproute2 and curl';
}

/** `script`: lab.sh's path, for callers bundled away from this folder (the extension-host suite). */
export async function startLab(script = LAB_SH): Promise<Lab> {
  const before = snapshot();
  const out = await run('bash', [script, 'up']);
  const dir = out.trim().split('\n').pop() ?? '';
  const env = Object.fromEntries(
    fs
      .readFileSync(path.join(dir, 'lab.env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const nodes: LabNode[] = [1, 2, 3].map((k) => {
    const host = env[`NODE${k}_HOST`];
    return {
      name: `n${k}`,
      host,
      addr: env[`NODE${k}_ADDR`],
      docker: new Docker({ socketPath: new URL(host).pathname }),
    };
  });
  const id = env.LAB;
  return {
    id,
    dir,
    registry: env.LAB_REGISTRY,
    nodes,
    manager: nodes[0],
    loadImages(node, images) {
      const r = spawnSync(
        'sh',
        [
          '-c',
          `env -u DOCKER_HOST docker save ${images.map((i) => `'${i}'`).join(' ')} | docker -H '${node.host}' load -q`,
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`could not load ${images.join(', ')} into ${node.name}: ${r.stderr}`);
    },
    async stopDaemon(node) {
      const pidFile = path.join(dir, node.name, 'docker.pid');
      const pid = Number(fs.readFileSync(pidFile, 'utf8'));
      process.kill(pid, 'SIGTERM');
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        try {
          process.kill(pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`dockerd of ${node.name} did not exit within 60 s`);
    },
    async startDaemon(node) {
      await run('bash', [script, 'start-node', dir, node.name.slice(1)]);
    },
    async destroy() {
      await run('bash', [script, 'down', dir]);
      const after = snapshot();
      const problems: string[] = [];
      if (after.docker0 !== before.docker0) problems.push(`docker0 changed: "${before.docker0}" → "${after.docker0}"`);
      if (after.swarm !== before.swarm) {
        problems.push(`the host engine's swarm state changed: ${before.swarm} → ${after.swarm}`);
      }
      const hostContainers = sh(
        `env -u DOCKER_HOST docker ps -a --format '{{.Names}} {{.Image}}' | grep -e '${id}' -e '${env.LAB_REGISTRY}' || true`,
      );
      if (hostContainers) problems.push(`containers of the lab on the host engine: ${hostContainers}`);
      const rules = sh(`iptables-save | grep -e '${id}' -e '${env.LAB_SUBNET.replace(/\.0\/24$/, '.')}' || true`);
      if (rules) problems.push(`iptables rules mention the lab: ${rules}`);
      const left = sh(
        `ip netns list | grep '${id}'; ip -o link | grep '${id}'; ls -d /sys/fs/cgroup/*/${id}-* 2>/dev/null; ls -d '${dir}' 2>/dev/null; grep '${dir}' /proc/mounts`,
      );
      if (left) problems.push(`left behind: ${left}`);
      if (problems.length) throw new Error(`the swarm lab did not leave the host as it was:\n${problems.join('\n')}`);
    },
  };
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}
