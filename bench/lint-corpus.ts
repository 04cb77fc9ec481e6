// `flotilla lint` over the public corpus (test/fixtures/public: microservices-demo,
// kubernetes/examples, awesome-compose, as those projects wrote them), with yamllint (Debian's,
// default config, no schema) on the same YAML and JSON files in the same run as a reference.
// Reports files per second and peak RSS of each (GNU time), the diagnostics by severity and
// code, whether the duplicate-key findings match yamllint's, and a fixed sample of 50
// diagnostics for hand-checking (SAMPLE=1 prints them).
// Run: npx tsx bench/lint-corpus.ts   (RUNS=5 by default; installs yamllint with apt if absent)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './support/stats';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.join(ROOT, 'test/fixtures/public');
const RUNS = Number(process.env.RUNS ?? 5);

interface Diag {
  file: string;
  line: number;
  column: number;
  severity: string;
  code: string;
  message: string;
}

function corpusFiles(): { all: string[]; yaml: string[]; dockerfiles: string[] } {
  const all: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (
        /\.(ya?ml|json)$/i.test(e.name) ||
        /(^|\.)(Dockerfile|Containerfile)(\..*)?$|\.dockerfile$/.test(e.name)
      ) {
        all.push(p);
      }
    }
  };
  walk(CORPUS);
  all.sort();
  return {
    all,
    yaml: all.filter((f) => /\.(ya?ml|json)$/i.test(f)),
    dockerfiles: all.filter((f) => !/\.(ya?ml|json)$/i.test(f)),
  };
}

interface Timing {
  seconds: number;
  /** user + system CPU seconds: less sensitive than wall time to a machine shared with other work */
  cpu: number;
  rssMiB: number;
}

/** Runs a command under GNU time: wall and CPU seconds, peak RSS (MiB), stdout. */
function timed(cmd: string, args: string[]): Timing & { stdout: string } {
  const out = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(out.stderr);
  if (!m) throw new Error(`no timing from ${cmd}: ${out.stderr.slice(-500)}`);
  return {
    seconds: Number(m[1]),
    cpu: Number(m[2]) + Number(m[3]),
    rssMiB: Number(m[4]) / 1024,
    stdout: out.stdout,
  };
}

function ensureTools(): void {
  const missing = ['yamllint', 'time'].filter((p) =>
    p === 'time' ? !fs.existsSync('/usr/bin/time') : spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0,
  );
  if (!missing.length) return;
  console.error(`installing ${missing.join(', ')} with apt`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0) throw new Error(`could not install ${missing.join(', ')}`);
}

/** A deterministic sample: every error, then warnings and notes spread over codes, 50 in all. */
export function sample(diags: Diag[], n = 50): Diag[] {
  const errors = diags.filter((d) => d.severity === 'error');
  const rest = diags.filter((d) => d.severity !== 'error');
  const byCode = new Map<string, Diag[]>();
  for (const d of rest) byCode.set(d.code, [...(byCode.get(d.code) ?? []), d]);
  const picked = [...errors].slice(0, n);
  // round-robin over codes, each code's findings taken at evenly spaced positions
  const codes = [...byCode.keys()].sort();
  for (let round = 0; picked.length < n && round < 50; round++) {
    for (const c of codes) {
      const list = byCode.get(c)!;
      const i = Math.floor((round * 7919) % list.length);
      if (round < list.length && picked.length < n && !picked.includes(list[i])) picked.push(list[i]);
    }
  }
  return picked;
}

async function main(): Promise<void> {
  ensureTools();
  const files = corpusFiles();
  // the CLI as users get it: the project's own bundle (dist/cli.js), built fresh
  const built = spawnSync(process.execPath, [path.join(ROOT, 'extension/scripts/bundle.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  const cli = path.join(ROOT, 'dist/cli.js');
  const lintRuns: Timing[] = [];
  const yamllintRuns: Timing[] = [];
  const load = os.loadavg()[0];
  let diags: Diag[] = [];
  let yl = '';
  for (let i = 0; i < RUNS; i++) {
    const l = timed(process.execPath, [cli, 'lint', CORPUS, '--no-docker', '--format', 'json']);
    diags = JSON.parse(l.stdout) as Diag[];
    lintRuns.push(l);
    const y = timed('yamllint', ['-f', 'parsable', ...files.yaml]);
    yl = y.stdout;
    yamllintRuns.push(y);
  }
  const count = (sev: string) => diags.filter((d) => d.severity === sev).length;
  const codes = new Map<string, number>();
  for (const d of diags) codes.set(`${d.severity} ${d.code}`, (codes.get(`${d.severity} ${d.code}`) ?? 0) + 1);
  const ylLines = yl.split('\n').filter(Boolean);
  const ylDup = new Set(
    ylLines
      .filter((l) => /\(key-duplicates\)/.test(l))
      .map((l) => {
        const [f, line] = l.split(':');
        return `${path.resolve(f)}:${line}`;
      }),
  );
  const ourDup = new Set(
    diags.filter((d) => /Map keys must be unique/.test(d.message)).map((d) => `${d.file}:${d.line}`),
  );
  const lintT = median(lintRuns.map((r) => r.seconds));
  const ylT = median(yamllintRuns.map((r) => r.seconds));
  const lintC = median(lintRuns.map((r) => r.cpu));
  const ylC = median(yamllintRuns.map((r) => r.cpu));
  const rel = (f: string) => path.relative(CORPUS, f);

  console.log(
    `\n## Lint over a public corpus (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load average ${load.toFixed(1)} before and ${os.loadavg()[0].toFixed(1)} after, ${RUNS} runs)\n`,
  );
  console.log(
    `Corpus: ${files.all.length} files (${files.yaml.length} YAML/JSON, ${files.dockerfiles.length} Dockerfiles), ${(files.all.reduce((s, f) => s + fs.statSync(f).size, 0) / 1024).toFixed(0)} KiB.\n`,
  );
  const version = spawnSync('yamllint', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' ')[1];
  const row = (tool: string, n: number, wall: number, cpu: number, runs: Timing[]) =>
    `| ${tool} | ${n} | ${wall.toFixed(2)} s | ${(n / wall).toFixed(0)} | ${cpu.toFixed(2)} s | ${(n / cpu).toFixed(0)} | ${Math.max(...runs.map((r) => r.rssMiB)).toFixed(0)} MiB |`;
  console.log('| tool | files | median wall | files/s (wall) | median CPU (user+sys) | files per CPU-s | peak RSS |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(row('`flotilla lint` (dist/cli.js, --no-docker)', files.all.length, lintT, lintC, lintRuns));
  console.log(row(`yamllint ${version} (default config)`, files.yaml.length, ylT, ylC, yamllintRuns));
  console.log(
    `\nflotilla lint: ${diags.length} diagnostics: ${count('error')} errors, ${count('warning')} warnings, ${count('information')} notes, ${count('hint')} hints.`,
  );
  console.log(
    `yamllint: ${ylLines.length} findings (${ylLines.filter((l) => /\[error\]/.test(l)).length} errors), mostly style (line length, document start, indentation, truthy).`,
  );
  console.log(
    `Duplicate keys: flotilla ${ourDup.size}, yamllint ${ylDup.size}, in common ${[...ourDup].filter((k) => ylDup.has(k)).length}.`,
  );
  console.log('\n| severity code | count |\n|---|---|');
  for (const [k, v] of [...codes].sort()) console.log(`| ${k} | ${v} |`);
  if (process.env.SAMPLE) {
    console.log('\nSample of 50:');
    sample(diags).forEach((d, i) =>
      console.log(`${i + 1}. ${rel(d.file)}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`),
    );
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
