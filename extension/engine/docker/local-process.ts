// A running container's main process as this host sees it, when it does: the engine is local
// and shares this host's PID namespace (not Docker Desktop's VM, not a remote engine). The
// process is checked to be in a cgroup named after the container, so a PID that means
// another process here is never used.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';

export interface LocalProcess {
  pid: number;
  /** The text of /proc/<pid>/cgroup. */
  cgroup: string;
}

export async function localProcess(docker: Docker, id: string, proc = '/proc'): Promise<LocalProcess | undefined> {
  try {
    const info = await docker.getContainer(id).inspect();
    const pid = info.State?.Pid;
    if (!pid) return undefined;
    const cgroup = await fs.readFile(path.join(proc, String(pid), 'cgroup'), 'utf8');
    return cgroup.includes(info.Id) ? { pid, cgroup } : undefined;
  } catch {
    return undefined; // gone, or no such process here
  }
}
