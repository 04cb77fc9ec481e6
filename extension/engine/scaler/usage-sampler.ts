// CPU and memory per container, read only when asked (an HPA's sync, a view showing the
// replica), never streamed: an idle stack with no HPA costs Docker nothing. Each sample()
// takes one reading per container from the cheapest correct source (usage-source.ts) and
// turns it into a rate against that container's previous reading:
//
//   CPU %  = Δcpu time / Δwall time × 100   (100% = one core)
//   cpu m  = CPU % × 10                      (the HPA divides by requests)
//
// The first reading of a container gives memory at once and CPU from the next sample on,
// as metrics-server needs two scrapes.
import type Docker from 'dockerode';
import { CgroupUsageSource, EngineUsageSource, type UsageReading, type UsageSource } from './usage-source';

export interface ContainerUsage {
  cpuPercent: number;
  cpuMilli: number;
  memoryBytes: number;
  /** Time of the reading (ms). */
  time: number;
}

export type UsageSourceKind = 'auto' | 'cgroup' | 'engine';

export interface UsageSamplerOptions {
  /** 'auto': cgroup files when this host sees the engine's containers, else the Engine API. */
  source?: UsageSourceKind;
}

/** Readings taken at once against one engine (the Engine API path sends one request each). */
const CONCURRENCY = 8;
/**
 * The shortest window a CPU rate is taken over: two askers reading a container moments apart
 * (an HPA sync and a view) would otherwise give a rate over a millisecond, which says nothing.
 */
const MIN_WINDOW_MS = 500;

export class UsageSampler {
  private readonly previous = new Map<string, UsageReading>();
  private readonly latest = new Map<string, ContainerUsage>();
  private decided?: UsageSource;

  constructor(
    private readonly docker: Docker,
    private readonly opts: UsageSamplerOptions = {},
  ) {}

  /** Which source readings come from (decided on the first container read, here or by sample()). */
  async sourceKind(probeId: string): Promise<'cgroup' | 'engine'> {
    return (await this.source(probeId)).kind;
  }

  /** Reads these containers now and updates their usage. Never rejects: a container that cannot be read keeps no figure. */
  async sample(ids: Iterable<string>): Promise<void> {
    const list = [...new Set(ids)];
    if (!list.length) return;
    const source = await this.source(list[0]);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < list.length) {
        const id = list[next++];
        const r = await source.read(id).catch(() => undefined); // unreadable now: no figure this time
        if (r) this.record(id, r);
        else this.drop(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, list.length) }, worker));
  }

  get(id: string): ContainerUsage | undefined {
    return this.latest.get(id);
  }

  /** Latest usage of every container that has a CPU figure, for podSamples(). */
  usage(): Map<string, { cpuMilli: number; memoryBytes: number }> {
    const out = new Map<string, { cpuMilli: number; memoryBytes: number }>();
    for (const [id, u] of this.latest) out.set(id, { cpuMilli: u.cpuMilli, memoryBytes: u.memoryBytes });
    return out;
  }

  /** Forgets every container not in `ids` (gone, or no longer asked for). */
  retain(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of [...this.previous.keys()]) if (!keep.has(id)) this.drop(id);
  }

  /** Containers with a reading kept. */
  get size(): number {
    return this.previous.size;
  }

  private record(id: string, r: UsageReading): void {
    const before = this.previous.get(id);
    if (before && r.time - before.time >= 0 && r.time - before.time < MIN_WINDOW_MS) {
      const last = this.latest.get(id);
      if (last) this.latest.set(id, { ...last, memoryBytes: r.memoryBytes });
      return; // too soon for a rate: the window goes on from the earlier reading
    }
    this.previous.set(id, r);
    const dt = before ? r.time - before.time : 0;
    const dcpu = before ? r.cpuNanos - before.cpuNanos : -1;
    // A restarted container starts its counter again: wait for the next reading.
    if (dt <= 0 || dcpu < 0) {
      const last = this.latest.get(id);
      if (last) this.latest.set(id, { ...last, memoryBytes: r.memoryBytes, time: r.time });
      return;
    }
    const cpuPercent = (dcpu / (dt * 1e6)) * 100;
    this.latest.set(id, { cpuPercent, cpuMilli: cpuPercent * 10, memoryBytes: r.memoryBytes, time: r.time });
  }

  private drop(id: string): void {
    this.previous.delete(id);
    this.latest.delete(id);
    this.decided?.forget(id);
  }

  private async source(probeId: string): Promise<UsageSource> {
    if (this.decided) return this.decided;
    const kind = this.opts.source ?? 'auto';
    const engine = new EngineUsageSource(this.docker);
    if (kind === 'engine' || remoteEngine()) return (this.decided = engine);
    const cgroup = new CgroupUsageSource(this.docker);
    if (kind === 'cgroup') return (this.decided = cgroup);
    // Docker Desktop and engines in another PID namespace fail this check: their containers'
    // processes are not this host's. A container not running says nothing: ask again later.
    const seen = await cgroup.visible(probeId);
    if (seen === 'unknown') return engine;
    return (this.decided = seen === 'yes' ? cgroup : engine);
  }
}

/** A DOCKER_HOST that is not a local socket: its containers' cgroups live on another machine. */
function remoteEngine(): boolean {
  const host = process.env.DOCKER_HOST ?? '';
  return host !== '' && !host.startsWith('unix://') && !host.startsWith('npipe://');
}
