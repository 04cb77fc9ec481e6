// A private Docker daemon for fault tests that stop and restart the engine: the
// machine's main dockerd keeps serving everyone else. It has its own socket,
// data root, exec root and pid file under a temp folder, and it runs in a network
// namespace of its own (`nsenter --net`), so its bridges and iptables rules never
// touch the host's. Storage is vfs: no overlay mounts to leak, and the busybox
// base image is one small layer.
//
// Why the namespace: dockerd 20.10 deletes the interface named docker0 when it
// starts with --bridge=none, and also when it restarts on a data root whose stored
// default network it cleans up. On the host that is the MAIN daemon's default
// bridge: every build with a RUN step on the main daemon then fails ("could not
// find bridge docker0") until docker0 is recreated. Inside its own namespace the
// private daemon can only delete its own docker0. Host processes still reach it
// through its unix socket, which is all the controller needs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';

export interface PrivateDocker {
  dir: string;
  socket: string;
  /** unix://… for DOCKER_HOST. */
  host: string;
  /** The network namespace the daemon's containers live in (`nsenter --net=/run/netns/NAME` to reach them). */
  netns: string;
  docker: Docker;
  /** Stops the daemon (SIGTERM, as `systemctl stop docker` does) and waits until its socket is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same data root and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

/** Whether a private daemon can run here at all (dockerd on PATH and root). */
export function privateDockerPossible(): boolean {
  return (
    process.getuid?.() === 0 &&
    spawnSync('sh', ['-c', 'command -v dockerd && command -v ip && command -v nsenter'], { encoding: 'utf8' })
      .status === 0
  );
}

export async function startPrivateDocker(opts: { images?: string[] } = {}): Promise<PrivateDocker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-fault-'));
  const socket = path.join(dir, 'docker.sock');
  const netns = `flotilla-${path
    .basename(dir)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(-12)}`;
  const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
  const made = sh(`ip netns add ${netns} && ip netns exec ${netns} ip link set lo up`);
  if (made.status !== 0) throw new Error(`cannot create the network namespace ${netns}: ${made.stderr}`);
  const hostDocker0 = sh('ip link show docker0').status === 0;
  let proc: ChildProcess | undefined;
  let log = '';
  const docker = new Docker({ socketPath: socket });

  const start = async (): Promise<void> => {
    log = '';
    // nsenter joins only the network namespace (ip netns exec would also remount /sys and hide the cgroup mounts).
    proc = spawn(
      'nsenter',
      [
        `--net=/run/netns/${netns}`,
        'dockerd',
        '--host',
        `unix://${socket}`,
        '--data-root',
        path.join(dir, 'data'),
        '--exec-root',
        path.join(dir, 'exec'),
        '--pidfile',
        path.join(dir, 'docker.pid'),
        '--iptables=false',
        '--ip-masq=false',
        '--storage-driver=vfs',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const append = (c: Buffer) => {
      log = (log + c.toString()).slice(-20_000);
    };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    const until = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`private dockerd exited (${proc.exitCode}):\n${log}`);
      if (
        await docker.ping().then(
          () => true,
          () => false,
        )
      ) {
        return;
      }
      if (Date.now() > until) throw new Error(`private dockerd did not answer within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stop = async (): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
    proc = undefined;
  };

  try {
    await start();
  } catch (e) {
    sh(`ip netns delete ${netns}`);
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  for (const image of opts.images ?? []) {
    // docker save from the main daemon | docker load into this one.
    const r = spawnSync(
      'sh',
      ['-c', `env -u DOCKER_HOST docker save "${image}" | DOCKER_HOST="unix://${socket}" docker load`],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) {
      await stop();
      throw new Error(`could not load ${image} into the private daemon: ${r.stderr}`);
    }
  }
  return {
    dir,
    socket,
    host: `unix://${socket}`,
    netns,
    docker,
    start,
    stop,
    destroy: async () => {
      if (!proc) await start().catch(() => undefined);
      // Leave nothing behind: remove every container and network of the private daemon, then the daemon.
      for (const c of await docker.listContainers({ all: true }).catch(() => [])) {
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
      for (const n of await docker.listNetworks().catch(() => [])) {
        if (!['bridge', 'host', 'none'].includes(n.Name)) {
          await docker
            .getNetwork(n.Id)
            .remove()
            .catch(() => undefined);
        }
      }
      await stop();
      sh(`grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`);
      sh(`ip netns delete ${netns}`);
      fs.rmSync(dir, { recursive: true, force: true });
      if (hostDocker0 && sh('ip link show docker0').status !== 0) {
        throw new Error("the host's docker0 disappeared while the private daemon ran");
      }
    },
  };
}
