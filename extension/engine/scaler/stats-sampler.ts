// Container CPU and memory from Docker's STREAMED stats: one open stream per
// container, a sample per daemon tick (1 s). One-shot `stats({stream:false})` waits
// two ticks (~2 s) and has no precpu, so it is never used.
//
//   CPU %  = Δtotal_usage / Δsystem_cpu_usage × online_cpus × 100   (100% = one core)
//   cpu m  = CPU % × 10                                             (the HPA divides by requests)
//   Memory = usage − total_inactive_file (cgroup v1; inactive_file on v2), as docker stats shows.

import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { LineSplitter } from '../util/lines';

export interface ContainerUsage {
  cpuPercent: number;
  cpuMilli: number;
  memoryBytes: number;
  /** Daemon time of the sample (ms). */
  time: number;
}

/** The parts of a Docker stats frame that are read. */
export interface StatsFrame {
  read?: string;
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
}

/** Usage from one streamed frame (its precpu is the previous frame); undefined without a previous frame. */
export function usageFromFrame(f: StatsFrame): ContainerUsage | undefined {
  const total = f.cpu_stats?.cpu_usage?.total_usage;
  const system = f.cpu_stats?.system_cpu_usage;
  const preTotal = f.precpu_stats?.cpu_usage?.total_usage;
  const preSystem = f.precpu_stats?.system_cpu_usage;
  if (total === undefined || system === undefined || preTotal === undefined || !preSystem) return undefined;
  const cpus = f.cpu_stats?.online_cpus || f.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  const dSystem = system - preSystem;
  const dTotal = total - preTotal;
  const cpuPercent = dSystem > 0 && dTotal >= 0 ? (dTotal / dSystem) * cpus * 100 : 0;
  const usage = f.memory_stats?.usage ?? 0;
  const inactive = f.memory_stats?.stats?.total_inactive_file ?? f.memory_stats?.stats?.inactive_file ?? 0;
  return {
    cpuPercent,
    cpuMilli: cpuPercent * 10,
    memoryBytes: Math.max(0, usage - inactive),
    time: f.read ? Date.parse(f.read) : Date.now(),
  };
}

interface Watch {
  stream?: Readable;
  stopped: boolean;
  latest?: ContainerUsage;
}

export class StatsSampler {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly docker: Docker) {}

  /** Keeps exactly these containers streamed: opens new streams, closes the rest. */
  track(ids: Iterable<string>): void {
    const want = new Set(ids);
    for (const id of want) this.watch(id);
    for (const id of [...this.watches.keys()]) if (!want.has(id)) this.unwatch(id);
  }

  watch(id: string): void {
    if (this.watches.has(id)) return;
    const w: Watch = { stopped: false };
    this.watches.set(id, w);
    this.docker.getContainer(id).stats({ stream: true }, (err, stream) => {
      if (err || !stream) {
        this.watches.delete(id); // gone or not running; a later track() retries
        return;
      }
      // dockerode hands over the HTTP response, a Readable; its type only says ReadableStream.
      if (!(stream instanceof Readable)) {
        this.watches.delete(id);
        return;
      }
      const s = stream;
      if (w.stopped) return void s.destroy();
      w.stream = s;
      const lines = new LineSplitter((raw) => {
        const line = raw.trim();
        if (line === '') return;
        try {
          const frame: StatsFrame = JSON.parse(line); // Docker's stats JSON; usageFromFrame reads it defensively
          const u = usageFromFrame(frame);
          if (u) w.latest = u;
        } catch {
          // a torn frame; the next one comes within a second
        }
      });
      s.on('data', (d: Buffer) => lines.push(d));
      const end = (): void => {
        if (this.watches.get(id) === w) this.watches.delete(id);
      };
      s.on('end', end);
      s.on('close', end);
      s.on('error', end);
    });
  }

  unwatch(id: string): void {
    const w = this.watches.get(id);
    if (!w) return;
    w.stopped = true;
    w.stream?.destroy();
    this.watches.delete(id);
  }

  get(id: string): ContainerUsage | undefined {
    return this.watches.get(id)?.latest;
  }

  /** Latest usage of every streamed container that has one, for podSamples(). */
  usage(): Map<string, { cpuMilli: number; memoryBytes: number }> {
    const out = new Map<string, { cpuMilli: number; memoryBytes: number }>();
    for (const [id, w] of this.watches) {
      if (w.latest) out.set(id, { cpuMilli: w.latest.cpuMilli, memoryBytes: w.latest.memoryBytes });
    }
    return out;
  }

  get size(): number {
    return this.watches.size;
  }

  stop(): void {
    for (const id of [...this.watches.keys()]) this.unwatch(id);
  }
}
