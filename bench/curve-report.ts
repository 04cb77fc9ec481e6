// The cost curve's report: the figures one round of each side gives, the medians per size as a
// Markdown table, the SVG chart, and the self-time summary of a controller CPU profile.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './support/stats';
import { chart, type Panel } from './support/svg-chart';

export interface ComposeFigures {
  up: number;
  /** CPU seconds from `up -d` until every container answers: the compose CLI, dockerd, containerd, the shims. */
  upCpu: Record<string, number>;
  scale: number;
  idle: Record<string, number>;
  load: number;
}

export interface FlotillaFigures {
  /** From the spawn of `flotilla up` until its control API answers (CLI start, load, lint, network). */
  controllerUp: number;
  /** CPU seconds from the spawn until every replica is Ready: the controller, dockerd, containerd, the shims. */
  upCpu: Record<string, number>;
  servicesAnswer: number;
  replicasAnswer: number;
  allReady: number;
  proxyUp: number;
  scale: number;
  scaleReady: number;
  idle: Record<string, number>;
  load: number;
  rss: number;
  proxyMemory: number;
  statusCli: number;
  nodeFloor: number;
  statusHttp: number;
  killAnswer: number[];
  killReady: number[];
  stop: 'exited' | 'killed';
  stopMs: number;
}

// ---------------------------------------------------------------- profile

/** Self time by function in the controller's CPU profile until `untilMs` after its start, idle apart. */
export function summariseProfile(dir: string, untilMs: number): string {
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return '(no profile written)';
  const p: {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  // Only the samples of the first `untilMs` (up until all Ready), not the scale and stop after it.
  const self = new Map<number, number>();
  let at = 0;
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0;
    if (at <= untilMs * 1000) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const by = new Map<string, number>();
  for (const node of p.nodes) {
    const t = self.get(node.id) ?? 0;
    const f = node.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    by.set(key, (by.get(key) ?? 0) + t);
  }
  const idle = by.get('(idle)') ?? 0;
  by.delete('(idle)');
  const busy = [...by.values()].reduce((a, b) => a + b, 0);
  const head = `  busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms (waiting for Docker); top functions by self time, % of busy:`;
  const rows = [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([k, t]) => `  ${(t / 1000).toFixed(0).padStart(7)} ms  ${((100 * t) / busy).toFixed(1).padStart(5)}%  ${k}`);
  return [head, ...rows].join('\n');
}

// ---------------------------------------------------------------- report

export interface SizeResult {
  n: number;
  compose: ComposeFigures[];
  flotilla: FlotillaFigures[];
  /** dockerd, containerd and shims over an idle window with neither side's stack running (other work on the machine). */
  baseline: Record<string, number>[];
}

export const med = (xs: number[]) => median(xs.filter(Number.isFinite));
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x: number) => `${x.toFixed(2)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export function table(results: SizeResult[]): string {
  const rows = [
    '| N (replicas) | flotilla up: Services answer | every replica answers | all Ready | compose up | up ratio (Services / replicas) | scale to 3: flotilla / compose | controller idle CPU | dockerd + containerd idle: flotilla / compose / neither | shims idle: flotilla / compose | proxy up at, idle CPU, memory | controller RSS | status --json (node -e 0) | GET /v1/status | kill → answers / Ready | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const f = (k: keyof FlotillaFigures) => med(r.flotilla.map((x) => Number(x[k])));
    const fi = (k: string) => med(r.flotilla.map((x) => x.idle[k]));
    const ci = (k: string) => med(r.compose.map((x) => x.idle[k]));
    const cu = med(r.compose.map((x) => x.up));
    const cs = med(r.compose.map((x) => x.scale));
    const daemonsF = fi('dockerd') + fi('containerd');
    const daemonsC = ci('dockerd') + ci('containerd');
    const kills = (k: 'killAnswer' | 'killReady') => med(r.flotilla.flatMap((x) => x[k]));
    rows.push(
      `| ${r.n} (${2 * r.n}) | ${s1(f('servicesAnswer'))} | ${s1(f('replicasAnswer'))} | ${s1(f('allReady'))} | ${s1(cu)} | ${(f('servicesAnswer') / cu).toFixed(2)}× / ${(f('replicasAnswer') / cu).toFixed(2)}× | ${s1(f('scale'))} / ${s1(cs)} (${(f('scale') / cs).toFixed(2)}×) | ${pct(fi('controller'))} | ${pct(daemonsF)} / ${pct(daemonsC)} / ${pct(med(r.baseline.map((b) => b.dockerd + b.containerd)))} | ${pct(fi('shims'))} / ${pct(ci('shims'))} | ${s1(f('proxyUp'))}, ${pct(fi('proxy'))}, ${mib(f('proxyMemory'))} | ${mib(f('rss'))} | ${f('statusCli').toFixed(0)} ms (${f('nodeFloor').toFixed(0)} ms) | ${f('statusHttp').toFixed(1)} ms | ${kills('killAnswer').toFixed(0)} / ${kills('killReady').toFixed(0)} ms | ${med([...r.flotilla.map((x) => x.load), ...r.compose.map((x) => x.load)]).toFixed(1)} |`,
    );
  }
  return rows.join('\n');
}

/** Where up's time goes: wall time beside the CPU seconds each process used meanwhile, per side. */
export function upTable(results: SizeResult[]): string {
  const rows = [
    '| N (replicas) | side | controller running at | all answer (Flotilla: all Ready) | CPU s: CLI or controller | dockerd | containerd | shims | CPU ÷ wall time (% of one core) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const cpu = (xs: Record<string, number>[], k: string) => med(xs.map((x) => x[k]));
  for (const r of results) {
    const fc = r.flotilla.map((x) => x.upCpu);
    const cc = r.compose.map((x) => x.upCpu);
    const fWall = med(r.flotilla.map((x) => x.allReady));
    const cWall = med(r.compose.map((x) => x.up));
    const line = (side: string, at: string, wall: number, xs: Record<string, number>[], own: string) => {
      const parts = [own, 'dockerd', 'containerd', 'shims'].map((k) => cpu(xs, k));
      const sum = parts.reduce((a, b) => a + b, 0);
      return `| ${r.n} (${2 * r.n}) | ${side} | ${at} | ${s1(wall)} | ${parts.map((v) => v.toFixed(1)).join(' | ')} | ${((100 * sum) / (wall / 1000)).toFixed(0)}% |`;
    };
    rows.push(line('flotilla', s1(med(r.flotilla.map((x) => x.controllerUp))), fWall, fc, 'controller'));
    rows.push(line('compose', '–', cWall, cc, 'compose'));
  }
  return rows.join('\n');
}

export function svg(results: SizeResult[], rounds: number): string {
  const x = (r: SizeResult) => 2 * r.n;
  const f = (r: SizeResult, g: (x: FlotillaFigures) => number) => med(r.flotilla.map(g));
  const c = (r: SizeResult, g: (x: ComposeFigures) => number) => med(r.compose.map(g));
  const panels: Panel[] = [
    {
      title: 'up until it answers',
      xLabel: 'replicas (2 per Deployment)',
      yLabel: 'seconds',
      series: [
        {
          label: 'flotilla: every Service',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.servicesAnswer) / 1000]),
        },
        {
          label: 'flotilla: every replica',
          color: '#1f77b4',
          dashed: true,
          points: results.map((r) => [x(r), f(r, (v) => v.replicasAnswer) / 1000]),
        },
        {
          label: 'compose: every container',
          color: '#d62728',
          points: results.map((r) => [x(r), c(r, (v) => v.up) / 1000]),
        },
      ],
    },
    {
      title: 'at rest: CPU over 60 s',
      xLabel: 'replicas',
      yLabel: '% of one core',
      series: [
        {
          label: 'flotilla controller',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.idle.controller)]),
        },
        {
          label: 'dockerd+containerd (flotilla)',
          color: '#2ca02c',
          points: results.map((r) => [x(r), f(r, (v) => v.idle.dockerd + v.idle.containerd)]),
        },
        {
          label: 'dockerd+containerd (compose)',
          color: '#d62728',
          points: results.map((r) => [x(r), c(r, (v) => v.idle.dockerd + v.idle.containerd)]),
        },
        {
          label: 'Service proxy container',
          color: '#9467bd',
          dashed: true,
          points: results.map((r) => [x(r), f(r, (v) => v.idle.proxy)]),
        },
      ],
    },
    {
      title: 'status --json',
      xLabel: 'replicas',
      yLabel: 'ms',
      series: [
        {
          label: 'flotilla status --json (CLI)',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.statusCli)]),
        },
        {
          label: 'node -e 0 (process start)',
          color: '#7f7f7f',
          dashed: true,
          points: results.map((r) => [x(r), f(r, (v) => v.nodeFloor)]),
        },
        { label: 'GET /v1/status', color: '#2ca02c', points: results.map((r) => [x(r), f(r, (v) => v.statusHttp)]) },
      ],
    },
    {
      title: 'controller memory, kill → replaced',
      xLabel: 'replicas',
      yLabel: 'MiB / seconds ×100',
      series: [
        {
          label: 'controller RSS (MiB)',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.rss) / 2 ** 20]),
        },
        {
          label: 'kill → answers (s ×100)',
          color: '#ff7f0e',
          points: results.map((r) => [x(r), med(r.flotilla.flatMap((v) => v.killAnswer)) / 10]),
        },
        {
          label: 'kill → Ready (s ×100)',
          color: '#ff7f0e',
          dashed: true,
          points: results.map((r) => [x(r), med(r.flotilla.flatMap((v) => v.killReady)) / 10]),
        },
      ],
    },
  ];
  const load = med(results.flatMap((r) => [...r.flotilla.map((v) => v.load), ...r.compose.map((v) => v.load)]));
  return chart(
    'Flotilla vs docker-compose: the cost curve',
    `bench/curve.ts, ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, median of ${rounds} round(s), load average ${load.toFixed(1)}`,
    panels,
  );
}
