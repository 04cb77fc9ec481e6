// Helpers for tests of pod features against the real engine: a one-replica Deployment
// around a pod spec, running a command in a replica's container, and finding a replica's
// containers by their labels.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { dockerExec } from '../../extension/engine/health/checks';
import { docker, stackContainers, waitFor } from './stack-fixture';

export const BUSYBOX = 'flotilla.local/busybox:1';

/** A Deployment named `name` whose pod spec is `spec` (YAML, indented as under `spec:` of the template). */
export function podDeployment(name: string, spec: string, opts: { replicas?: number; labels?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${opts.replicas ?? 1}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${opts.labels ? `, ${opts.labels}` : ''}}}
    spec:
${spec
  .split('\n')
  .map((l) => (l ? `      ${l}` : l))
  .join('\n')}
`;
}

/** The containers of one deployment's replicas (all states), newest first as Docker lists them. */
export async function deploymentContainers(stack: string, deployment: string): Promise<Docker.ContainerInfo[]> {
  return (await stackContainers(stack)).filter((c) => c.Labels['dev.flotilla.deployment'] === deployment);
}

/** The running container of `podContainer` in the deployment's only (or first) replica. */
export async function runningContainer(stack: string, deployment: string, podContainer: string): Promise<string> {
  return waitFor(`a running ${deployment}/${podContainer}`, async () => {
    const c = (await deploymentContainers(stack, deployment)).find(
      (x) =>
        x.Labels['dev.flotilla.container'] === podContainer &&
        x.Labels['dev.flotilla.init-container'] === undefined &&
        x.State === 'running',
    );
    return c?.Id;
  });
}

/** Runs `cmd` in a container; resolves to its output (stdout and stderr) and exit code. */
export async function execIn(id: string, cmd: string[]): Promise<{ code: number | null; out: string }> {
  const r = await dockerExec(docker, id, cmd, 15_000);
  return { code: r.exitCode, out: r.output };
}

/** `sh -c script` in a container; its trimmed output, failing the test on a non-zero exit. */
export async function sh(id: string, script: string): Promise<string> {
  const r = await execIn(id, ['sh', '-c', script]);
  if (r.code !== 0) throw new Error(`"${script}" exited with ${r.code}: ${r.out}`);
  return r.out.trim();
}

/** Rewrites one file of a stack folder (a manifest edit). */
export function rewrite(dir: string, rel: string, text: string): void {
  fs.writeFileSync(path.join(dir, rel), text);
}
