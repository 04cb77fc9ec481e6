// Where a container's CPU and memory figures come from, read once per call (no open streams).
//
// - cgroup files, when the engine is local: the container's cgroup is found once from its
//   main process (/proc/<pid>/cgroup and the cgroup mounts), then each reading is a few small
//   file reads, with no work for dockerd or containerd. cgroup v1 (cpuacct.usage,
//   memory.usage_in_bytes, memory.stat) and v2 (cpu.stat, memory.current, memory.stat).
// - the Engine API, anywhere else (a remote engine, Docker Desktop's VM): one `stats` call
//   with one-shot=true, which answers at once instead of waiting for a second sample.
// Each reading is a cumulative CPU time and the memory in use; rates come from two readings
// (usage-sampler.ts). Memory is usage minus inactive file cache, as `docker stats` shows it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { localProcess } from '../docker/local-process';

export interface UsageReading {
  /** Cumulative CPU time of the container, in nanoseconds. */
  cpuNanos: number;
  memoryBytes: number;
  /** Wall-clock time of the reading, in ms. */
  time: number;
}

export interface UsageSource {
  readonly kind: 'cgroup' | 'engine';
  /** One reading; undefined when the container is gone or not running. */
  read(id: string): Promise<UsageReading | undefined>;
  /** Drops what was cached for a container. */
  forget(id: string): void;
}

/** The parts of a Docker stats answer that are read. */
export interface StatsFrame {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** A reading from an Engine API stats answer; undefined without CPU figures (a stopped container). */
export function readingFromFrame(f: StatsFrame, now = Date.now()): UsageReading | undefined {
  const total = f.cpu_stats?.cpu_usage?.total_usage;
  if (total === undefined) return undefined;
  const usage = f.memory_stats?.usage ?? 0;
  const inactive = f.memory_stats?.stats?.total_inactive_file ?? f.memory_stats?.stats?.inactive_file ?? 0;
  const read = f.read ? Date.parse(f.read) : NaN;
  // A stopped container answers with the zero time (0001-01-01).
  return { cpuNanos: total, memoryBytes: Math.max(0, usage - inactive), time: read > 0 ? read : now };
}

export class EngineUsageSource implements UsageSource {
  readonly kind = 'engine';
  constructor(private readonly docker: Docker) {}

  async read(id: string): Promise<UsageReading | undefined> {
    const frame: StatsFrame | undefined = await this.docker
      .getContainer(id)
      .stats({ stream: false, 'one-shot': true })
      .catch(() => undefined); // gone or stopped: no figure
    return frame ? readingFromFrame(frame) : undefined;
  }

  forget(): void {
    // nothing cached per container
  }
}

/** One cgroup hierarchy as mounted here: its kind, mount point, and the cgroup path its root stands for. */
export interface CgroupMount {
  version: 1 | 2;
  /** v1: the controllers it carries (cpu, cpuacct, memory, ...). */
  controllers: string[];
  mountPoint: string;
  root: string;
}

/** The cgroup mounts listed in /proc/self/mountinfo. */
export function parseMountinfo(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const fields = pre.split(' ');
    const [fstype, , superOptions = ''] = post.split(' ');
    const root = unescapeMount(fields[3] ?? '/');
    const mountPoint = unescapeMount(fields[4] ?? '');
    if (fstype === 'cgroup2') out.push({ version: 2, controllers: [], mountPoint, root });
    else if (fstype === 'cgroup') out.push({ version: 1, controllers: superOptions.split(','), mountPoint, root });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Files to read for one container. */
export interface CgroupFiles {
  version: 1 | 2;
  /** v1: cpuacct.usage (ns); v2: cpu.stat (usage_usec). */
  cpu: string;
  /** v1: memory.usage_in_bytes; v2: memory.current. */
  memory: string;
  memoryStat: string;
}

/**
 * The files of a process's cgroup, from its /proc/<pid>/cgroup text and the mounts. v1
 * controllers win over the unified hierarchy on hybrid hosts (systemd's v2 mount holds no
 * controllers there). Undefined when the needed hierarchies are not mounted here.
 */
export function cgroupFilesFor(procCgroup: string, mounts: CgroupMount[]): CgroupFiles | undefined {
  const entries = procCgroup
    .split('\n')
    .map((l) => /^(\d+):([^:]*):(.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ controllers: m[2] === '' ? [] : m[2].split(','), path: m[3] }));
  const under = (m: CgroupMount, cgPath: string): string | undefined => {
    const root = m.root === '/' ? '' : m.root;
    if (root && cgPath !== root && !cgPath.startsWith(root + '/')) return undefined;
    return path.join(m.mountPoint, cgPath.slice(root.length));
  };
  const v1 = (controller: string): string | undefined => {
    const e = entries.find((x) => x.controllers.includes(controller));
    const m = mounts.find((x) => x.version === 1 && x.controllers.includes(controller));
    return e && m ? under(m, e.path) : undefined;
  };
  const cpuDir = v1('cpuacct');
  const memDir = v1('memory');
  if (cpuDir && memDir) {
    return {
      version: 1,
      cpu: path.join(cpuDir, 'cpuacct.usage'),
      memory: path.join(memDir, 'memory.usage_in_bytes'),
      memoryStat: path.join(memDir, 'memory.stat'),
    };
  }
  const unified = entries.find((x) => x.controllers.length === 0);
  const m2 = mounts.find((x) => x.version === 2);
  const dir = unified && m2 ? under(m2, unified.path) : undefined;
  if (!dir) return undefined;
  return {
    version: 2,
    cpu: path.join(dir, 'cpu.stat'),
    memory: path.join(dir, 'memory.current'),
    memoryStat: path.join(dir, 'memory.stat'),
  };
}

/** A reading from the files' contents. */
export function readingFromCgroup(
  version: 1 | 2,
  cpuText: string,
  memoryText: string,
  memoryStatText: string,
  time: number,
): UsageReading {
  const stat = new Map<string, number>();
  for (const line of memoryStatText.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined) stat.set(k, Number(v));
  }
  let cpuNanos: number;
  if (version === 1) cpuNanos = Number(cpuText.trim());
  else {
    const usec = /^usage_usec (\d+)/m.exec(cpuText);
    cpuNanos = usec ? Number(usec[1]) * 1000 : 0;
  }
  const inactive = version === 1 ? (stat.get('total_inactive_file') ?? 0) : (stat.get('inactive_file') ?? 0);
  return { cpuNanos, memoryBytes: Math.max(0, Number(memoryText.trim()) - inactive), time };
}

/**
 * Readings from the cgroup files of a local engine's containers. `available()` says whether
 * this host sees the engine's containers at all; callers then pick the Engine API instead.
 */
export class CgroupUsageSource implements UsageSource {
  readonly kind = 'cgroup';
  private readonly files = new Map<string, Promise<CgroupFiles | undefined>>();
  private mounts?: Promise<CgroupMount[]>;

  constructor(
    private readonly docker: Docker,
    private readonly proc = '/proc',
  ) {}

  /**
   * Whether this host sees the engine's containers: a running container's process is visible
   * here with a cgroup named after it, and its files read. 'unknown' for a container that does
   * not run (it has no process to look at).
   */
  async visible(id: string): Promise<'yes' | 'no' | 'unknown'> {
    const pid = await this.docker
      .getContainer(id)
      .inspect()
      .then((i) => i.State?.Pid ?? 0)
      .catch(() => 0); // gone: nothing to learn from it
    if (!pid) return 'unknown';
    return (await this.filesOf(id)) !== undefined && (await this.read(id)) !== undefined ? 'yes' : 'no';
  }

  async read(id: string): Promise<UsageReading | undefined> {
    const f = await this.filesOf(id);
    if (!f) return undefined;
    try {
      const [cpu, memory, memoryStat] = await Promise.all([
        fs.readFile(f.cpu, 'utf8'),
        fs.readFile(f.memory, 'utf8'),
        fs.readFile(f.memoryStat, 'utf8'),
      ]);
      return readingFromCgroup(f.version, cpu, memory, memoryStat, Date.now());
    } catch {
      return undefined; // the container stopped: its cgroup is gone until it starts again
    }
  }

  forget(id: string): void {
    this.files.delete(id);
  }

  private filesOf(id: string): Promise<CgroupFiles | undefined> {
    let f = this.files.get(id);
    if (!f) {
      f = this.resolve(id);
      this.files.set(id, f);
      // Not found (not running yet, or not visible here): look again next time.
      void f.then((x) => {
        if (!x && this.files.get(id) === f) this.files.delete(id);
      });
    }
    return f;
  }

  private async resolve(id: string): Promise<CgroupFiles | undefined> {
    // Another PID namespace (a remote engine, a VM) shows some other process, or none, under that pid.
    const p = await localProcess(this.docker, id, this.proc);
    if (!p) return undefined;
    try {
      this.mounts ??= fs.readFile(path.join(this.proc, 'self/mountinfo'), 'utf8').then(parseMountinfo);
      return cgroupFilesFor(p.cgroup, await this.mounts);
    } catch {
      return undefined; // no cgroup mounts to read here
    }
  }
}
