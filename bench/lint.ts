// Language-server benchmark: full validation of a 1,000-line, 40-document manifest file and
// of a 200-line Dockerfile, side by side with the bare `yaml` parse and with dockerfile-utils'
// validate alone; then the server's memory after opening 200 files.
// Run: npx tsx bench/lint.ts   (prints a Markdown table for BENCHMARKS.md)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { validate as dockerfileUtilsValidate } from 'dockerfile-utils';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { parseAllDocuments } from 'yaml';
import { lintLoose, lintDockerfile } from '../language-server/src/index';
import { finalize } from '../language-server/src/core/suppress';

const ITER = Number(process.env.ITER ?? 40);

export function manifest40(): string {
  const docs: string[] = [];
  for (let i = 0; i < 10; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  labels: {app: svc-${i}, tier: backend}
  annotations:
    team: platform
    owner: svc-${i}@example.com
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels: {app: svc-${i}}
  template:
    metadata:
      labels: {app: svc-${i}, tier: backend}
    spec:
      containers:
        - name: app
          image: registry.local/svc-${i}:1.${i}.0
          imagePullPolicy: IfNotPresent
          env:
            - {name: PORT, value: "8080"}
            - {name: LOG_LEVEL, value: info}
            - {name: REGION, value: local}
            - name: UPSTREAM
              valueFrom:
                configMapKeyRef: {name: svc-${i}-config, key: UPSTREAM}
          ports:
            - {name: http, containerPort: 8080}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe:
            httpGet: {path: /ready, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
`);
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  labels: {app: svc-${i}}
spec:
  type: ClusterIP
  selector: {app: svc-${i}}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
    - name: metrics
      port: 9090
      targetPort: 8080
      protocol: TCP
`);
    docs.push(`apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: svc-${i}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: svc-${i}}
  minReplicas: 1
  maxReplicas: 8
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 120
      policies:
        - type: Pods
          value: 1
          periodSeconds: 30
      selectPolicy: Max
`);
    docs.push(`apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-${i}-config
  labels: {app: svc-${i}}
data:
  FEATURE_A: "true"
  FEATURE_B: "false"
  TIMEOUT_MS: "2500"
  UPSTREAM: http://svc-${(i + 1) % 10}
  REGION: local
  RETRIES: "3"
  CACHE_TTL: "60"
  POOL_SIZE: "10"
  TRACE: "false"
  LOCALE: en
  THEME: dark
`);
  }
  return '# benchmark input: 40 documents\n' + docs.join('---\n');
}

export function dockerfile200(): string {
  const lines = [
    '# syntax=docker/dockerfile:1',
    'ARG NODE_VERSION=20.11',
    'FROM node:${NODE_VERSION}-bookworm-slim AS base',
    'WORKDIR /app',
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
  ];
  for (let s = 0; lines.length + 15 + 6 <= 200; s++) {
    lines.push(
      `FROM base AS stage${s}`,
      `ENV STAGE=${s} \\`,
      `    MODE=build`,
      'RUN apt-get update \\',
      ` && apt-get install -y --no-install-recommends curl=7.88.1-10 ca-certificates=20230311 \\`,
      ' && rm -rf /var/lib/apt/lists/*',
    );
    lines.push(
      `COPY --chown=node:node package${s}.json ./`,
      'RUN <<EOF',
      'set -eu',
      `echo building stage ${s}`,
      'npm ci --omit=dev',
      'EOF',
      `LABEL stage="${s}" maintainer="team@example.com"`,
      `EXPOSE ${8000 + s}`,
      'USER node',
    );
  }
  lines.push(
    'FROM base',
    'COPY --from=stage0 /app /app',
    'EXPOSE 8080',
    'USER node',
    'HEALTHCHECK --interval=10s CMD ["node", "health.js"]',
    'CMD ["node", "server.js"]',
  );
  while (lines.length < 200) lines.splice(lines.length - 1, 0, '# padding comment');
  return lines.join('\n') + '\n';
}

type Timing = { p50: number; p95: number };

/** Times several functions interleaved (A, B, A, B…) so a noisy, shared machine slows them alike. */
async function interleaved(fns: (() => unknown)[]): Promise<Timing[]> {
  for (let i = 0; i < 5; i++) for (const f of fns) await f(); // warm-up
  const t: number[][] = fns.map(() => []);
  for (let i = 0; i < ITER; i++) {
    for (let j = 0; j < fns.length; j++) {
      const s = performance.now();
      await fns[j]();
      t[j].push(performance.now() - s);
    }
  }
  return t.map((x) => {
    x.sort((a, b) => a - b);
    return { p50: x[Math.floor(x.length * 0.5)], p95: x[Math.min(x.length - 1, Math.floor(x.length * 0.95))] };
  });
}

async function serverMemory(files: number): Promise<{ rssMb: number; ms: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-bench-'));
  const bundle = path.join(dir, 'server.js');
  await build({
    entryPoints: [path.resolve(__dirname, '../language-server/src/server.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['*.node', 'cpu-features'],
    logLevel: 'error',
  });
  const proc = spawn(process.execPath, [bundle, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const got = new Set<string>();
  let all: () => void = () => {};
  const done = new Promise<void>((r) => (all = r));
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
    got.add(p.uri);
    if (got.size >= files) all();
  });
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).toString(),
    capabilities: {},
    initializationOptions: { docker: false },
  });
  await conn.sendNotification('initialized', {});
  const m = manifest40();
  const d = dockerfile200();
  const t0 = performance.now();
  for (let i = 0; i < files; i++) {
    const isDf = i % 4 === 3;
    const uri = pathToFileURL(path.join(dir, `f${i}`, isDf ? 'Dockerfile' : 'app.yaml')).toString();
    await conn.sendNotification('textDocument/didOpen', {
      textDocument: {
        uri,
        languageId: isDf ? 'dockerfile' : 'yaml',
        version: 1,
        text: (isDf ? d : m).replace(/svc-/g, `s${i}-`),
      },
    });
  }
  await done;
  const ms = performance.now() - t0;
  const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  await conn.sendRequest('shutdown');
  const exited = new Promise((r) => proc.once('exit', r));
  await conn.sendNotification('exit');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  conn.dispose();
  proc.kill();
  rmSync(dir, { recursive: true, force: true });
  return { rssMb: rssKb / 1024, ms };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flotilla-bench-'));
  const mText = manifest40();
  const dText = dockerfile200();
  const mFile = path.join(dir, 'app.yaml');
  const dFile = path.join(dir, 'Dockerfile');
  writeFileSync(mFile, mText);
  writeFileSync(dFile, dText);
  const read = (f: string) => (f === mFile ? mText : f === dFile ? dText : undefined);
  const [mBare, mFull] = await interleaved([
    () => parseAllDocuments(mText),
    () => lintLoose([mFile], [], { images: null, read }),
  ]);
  const [dUtils, dFull] = await interleaved([
    () => dockerfileUtilsValidate(dText),
    () => finalize(dFile, dText, lintDockerfile(dText)),
  ]);
  const rows: [string, Timing][] = [
    ['manifest: bare `yaml` parseAllDocuments', mBare],
    ['manifest: full validation (parse, schema, cross-resource, security, ignore comments)', mFull],
    ['Dockerfile: dockerfile-utils validate alone', dUtils],
    ['Dockerfile: full validation (parse, syntax, best practice, ignore comments)', dFull],
  ];
  rmSync(dir, { recursive: true, force: true });
  const mem = await serverMemory(200);
  const ratio = (a: number, b: number) => (rows[a][1].p50 / rows[b][1].p50).toFixed(2);
  console.log(
    `Input: ${mText.split('\n').length - 1}-line manifest file with ${mText.split('---').length} documents; ${dText.split('\n').length - 1}-line Dockerfile. ${ITER} timed runs of each, interleaved with its baseline, after 5 warm-ups, Node ${process.version}.\n`,
  );
  console.log('| what | p50 ms | p95 ms |\n|---|---|---|');
  for (const [n, s] of rows) console.log(`| ${n} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} |`);
  console.log(
    `\nFull manifest validation / bare parse (p50): ${ratio(1, 0)}×. Dockerfile full validation / dockerfile-utils validate (p50): ${ratio(3, 2)}×.`,
  );
  console.log(
    `Server after opening 200 files (150 manifests of 40 documents, 50 Dockerfiles), all validated: RSS ${mem.rssMb.toFixed(0)} MB; open-to-last-diagnostics ${(mem.ms / 1000).toFixed(1)} s.`,
  );
}

if (require.main === module) void main();
