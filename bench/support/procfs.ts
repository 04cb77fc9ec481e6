// Process and container figures from /proc and the cgroup files, for benches: CPU time of a
// process (or all processes of a name), its RSS, a container's CPU time and memory, and the
// load average. Everything read from files, so measuring adds no work to Docker.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** CPU seconds (user + system) this process's children have used, those that ended and were waited for. */
export function childrenCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / TICKS;
}

/** RSS of a process in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The pids of processes with this exact name (pidof). */
export function pidsOf(name: string): number[] {
  try {
    return execFileSync('pidof', [name], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's command line, arguments joined by spaces ('' once it exited). */
export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * CPU seconds of every process of these names (e.g. all containerd shims), summed; with `only`,
 * only those whose command line passes it (the machine's engine, not a test's private daemon).
 */
export function cpuSecondsOf(names: string[], only?: (cmd: string) => boolean): number {
  let s = 0;
  for (const n of names) {
    for (const pid of pidsOf(n)) {
      if (only && !only(cmdline(pid))) continue;
      try {
        s += cpuSeconds(pid);
      } catch {
        // exited meanwhile
      }
    }
  }
  return s;
}

/** A container's CPU seconds and memory (cgroup v1 cgroupfs layout, as on this project's hosts). */
export function containerFigures(id: string): { cpuSeconds: number; memoryBytes: number } | undefined {
  try {
    const cpu = Number(fs.readFileSync(`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, 'utf8')) / 1e9;
    const usage = Number(fs.readFileSync(`/sys/fs/cgroup/memory/docker/${id}/memory.usage_in_bytes`, 'utf8'));
    const stat = fs.readFileSync(`/sys/fs/cgroup/memory/docker/${id}/memory.stat`, 'utf8');
    const inactive = Number(/^total_inactive_file (\d+)/m.exec(stat)?.[1] ?? 0);
    return { cpuSeconds: cpu, memoryBytes: usage - inactive };
  } catch {
    return undefined;
  }
}

export function loadAverage(): number {
  return Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** CPU each subject (a function giving CPU seconds so far) used over `ms`, as a percentage of one core. */
export async function cpuOver(ms: number, subjects: Record<string, () => number>): Promise<Record<string, number>> {
  const before = Object.entries(subjects).map(([k, f]) => [k, f()] as const);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const dt = (performance.now() - t0) / 1000;
  return Object.fromEntries(before.map(([k, b]) => [k, ((subjects[k]() - b) / dt) * 100]));
}
