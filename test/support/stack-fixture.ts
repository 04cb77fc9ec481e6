// Temporary stacks for tests against the real engine: a unique stack name per
// test, files written to a temp folder, and a cleanup that removes only what
// that stack labelled.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { downStack, type StackController } from '../../extension/engine/controller/controller';
import { createDocker } from '../../extension/engine/docker/client';
import { createController, prepareStack } from '../../extension/engine/runner';
import { ensureBusyboxImage } from './base-images';
import { deployment, httpdShell, manifests, service, type ContainerOptions } from './manifests';
import type { Clock } from '../../extension/engine/util/clock';

export const docker: Docker = createDocker();

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
}

export function writeStack(files: Record<string, string>): string {
  return writeFiles(fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-test-')), files);
}

/** Writes (or overwrites) files below `dir`; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A Deployment running busybox httpd (on :8080 unless `port` says otherwise) plus its Service, as YAML. */
export function httpDeployment(
  name: string,
  replicas: number,
  extra: Pick<ContainerOptions, 'requests' | 'env' | 'envFrom' | 'image'> & { port?: number } = {},
): string {
  const port = extra.port ?? 8080;
  return manifests(deployment(name, { replicas, port, shell: httpdShell(port), ...extra }), service(name));
}

export function stackFile(name: string, extra = ''): string {
  return `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 0.2, terminationGracePeriodSeconds: 1, resyncSeconds: 5}\n${extra}`;
}

export interface Running {
  ctl: StackController;
  dir: string;
  stop(): Promise<void>;
}

export async function startStack(dir: string, opts: { clock?: Clock } = {}): Promise<Running> {
  await ensureBusyboxImage(docker);
  const p = await prepareStack(docker, dir);
  const ctl = createController(docker, p, opts);
  await ctl.start();
  return { ctl, dir, stop: () => ctl.stop(false) };
}

export async function removeStack(name: string): Promise<void> {
  await downStack(docker, name, () => 0);
}

/** Polls a condition (state lives in Docker, which has no "wait for this" call for most of it). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** The stack's replica containers (not its Service proxy, which has no replica label). */
export async function stackContainers(name: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`dev.flotilla.stack=${name}`, 'dev.flotilla.replica'] },
  });
}

/** Ends a child process (a foreground `flotilla up`) with `signal` and waits for its exit; nothing if it has exited. */
export async function endProcess(proc: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  await gone;
}
