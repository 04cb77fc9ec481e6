// A private Docker daemon for fault tests that stop and restart the engine: the
// machine's main dockerd keeps serving everyone else. It has its own socket,
// data root, exec root and pid file under a temp folder, no default bridge, no
// iptables rules (the host's chains belong to the main daemon) and its own
// address pool so its networks never overlap the main daemon's. Storage is vfs:
// no overlay mounts to leak, and the busybox base image is one small layer.
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
  return process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v dockerd'], { encoding: 'utf8' }).status === 0;
}

export async function startPrivateDocker(opts: { images?: string[]; subnet?: string } = {}): Promise<PrivateDocker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-fault-'));
  const socket = path.join(dir, 'docker.sock');
  const pool = opts.subnet ?? `10.${200 + Math.floor(Math.random() * 50)}.0.0/16`;
  let proc: ChildProcess | undefined;
  let log = '';
  const docker = new Docker({ socketPath: socket });

  const start = async (): Promise<void> => {
    log = '';
    proc = spawn('dockerd', [
      '--host', `unix://${socket}`,
      '--data-root', path.join(dir, 'data'),
      '--exec-root', path.join(dir, 'exec'),
      '--pidfile', path.join(dir, 'docker.pid'),
      '--bridge=none', '--iptables=false', '--ip-masq=false',
      '--default-address-pool', `base=${pool},size=24`,
      '--storage-driver=vfs',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (c: Buffer) => { log = (log + c.toString()).slice(-20_000); };
    proc.stdout!.on('data', append);
    proc.stderr!.on('data', append);
    const until = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`private dockerd exited (${proc.exitCode}):\n${log}`);
      if (await docker.ping().then(() => true, () => false)) return;
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

  await start();
  for (const image of opts.images ?? []) {
    // docker save from the main daemon | docker load into this one.
    const r = spawnSync('sh', ['-c', `env -u DOCKER_HOST docker save "${image}" | DOCKER_HOST="unix://${socket}" docker load`], { encoding: 'utf8' });
    if (r.status !== 0) {
      await stop();
      throw new Error(`could not load ${image} into the private daemon: ${r.stderr}`);
    }
  }
  return {
    dir, socket, host: `unix://${socket}`, docker, start, stop,
    destroy: async () => {
      if (!proc) await start().catch(() => undefined);
      // Leave nothing behind: remove every container and network of the private daemon, then the daemon.
      for (const c of await docker.listContainers({ all: true }).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      await stop();
      spawnSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
