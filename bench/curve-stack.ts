// The cost curve's inputs: a stack of N Deployments (2 replicas each of a small real HTTP
// server, busybox httpd, with a tcpSocket readiness probe every second and one Service
// each), and the equivalent compose file, written in the same run from the same model.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadStackOrThrow } from '../extension/engine/model/load-stack';
import type { StackSpec } from '../extension/engine/model/types';
import { composeFromStack } from './up-vs-compose-compose';

export const IMAGE = 'flotilla.local/busybox:1';
export const PORT = 8080;
export const BENCH_LABEL = 'dev.flotilla.bench';

export interface CurveStack {
  name: string;
  dir: string;
  stack: StackSpec;
  composeFile: string;
  deployments: string[];
}

function manifest(name: string, periodSeconds: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: ${IMAGE}
          command: [sh, -c, "mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p ${PORT} -h /www"]
          ports: [{name: http, containerPort: ${PORT}}]
          resources: {requests: {cpu: 5m, memory: 8Mi}}
          readinessProbe: {tcpSocket: {port: ${PORT}}, periodSeconds: ${periodSeconds}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{port: 80, targetPort: http}]
`;
}

/** Writes the stack (flotilla.yaml + one manifest file per Deployment) and its compose file into a temp folder. */
export function writeCurveStack(n: number, tag: string, periodSeconds = 1): CurveStack {
  const name = `curve${n}-${tag}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-${name}-`));
  fs.mkdirSync(path.join(dir, 'k8s'));
  // Kubernetes' own defaults except the grace period, as a new user's stack file.
  fs.writeFileSync(path.join(dir, 'flotilla.yaml'), `name: ${name}\nmanifests: ["k8s/*.yaml"]\n`);
  const deployments = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  for (const d of deployments) fs.writeFileSync(path.join(dir, 'k8s', `${d}.yaml`), manifest(d, periodSeconds));
  const stack = loadStackOrThrow(dir);
  const composeFile = path.join(dir, 'docker-compose.yml');
  fs.writeFileSync(
    composeFile,
    composeFromStack(stack, { images: { [IMAGE]: IMAGE }, labels: { [BENCH_LABEL]: name }, publish: false }),
  );
  return { name, dir, stack, composeFile, deployments };
}
