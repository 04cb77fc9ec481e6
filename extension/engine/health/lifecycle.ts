// Container lifecycle hooks (postStart, preStop), run as the kubelet runs them
// (pkg/kubelet/lifecycle/handlers.go):
//   exec     runs in the container; a non-zero exit fails the hook.
//   httpGet  a GET to the pod's address (or `host`); only a failed connection fails the
//            hook, the status code does not count (unlike a probe).
//   sleep    waits.
// The caller bounds each hook: postStart by nothing but the container's life, preStop by
// the grace period. Failure texts follow the kubelet's events.
import * as http from 'node:http';
import * as https from 'node:https';
import type Docker from 'dockerode';
import type { LifecycleHandler } from '../model/pod-types';
import type { ContainerPort } from '../model/types';
import { dockerExec, resolvePort, PROBE_USER_AGENT } from './checks';
import { sleep } from '../util/abort';
import { errorMessage } from '../util/errors';

export interface HookTarget {
  docker: Docker;
  containerId: string;
  /** The pod's address on the stack network. */
  address?: string;
  ports: ContainerPort[];
  /** For messages: the manifest's container name and the pod (replica) name. */
  container: string;
  pod: string;
}

export interface HookResult {
  ok: boolean;
  /** The kubelet's failure text, empty on success. */
  message: string;
}

export type HookKind = 'PostStart' | 'PreStop';

/** Runs one hook, at most `timeoutMs` (a hook still running then has failed; its process is left to the stop). */
export async function runHook(
  target: HookTarget,
  h: LifecycleHandler,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HookResult> {
  const where = `for Container "${target.container}" in Pod "${target.pod}"`;
  try {
    if (h.exec) {
      const cmd = h.exec.command;
      const r = await dockerExec(target.docker, target.containerId, cmd, timeoutMs);
      if (r.timedOut) {
        return fail(`Exec lifecycle hook (${JSON.stringify(cmd)}) ${where} failed - error: command timed out`);
      }
      if (r.exitCode === 0) return { ok: true, message: '' };
      const out = r.output.trim();
      return fail(
        `Exec lifecycle hook (${JSON.stringify(cmd)}) ${where} failed - error: command '${cmd.join(' ')}' exited with ${r.exitCode}: ${out}, message: ${JSON.stringify(out)}`,
      );
    }
    if (h.httpGet) {
      const port = resolvePort(h.httpGet.port, target.ports);
      if (port instanceof Error) {
        return fail(`HTTP lifecycle hook (${h.httpGet.path}) ${where} failed - error: ${port.message}`);
      }
      const host = h.httpGet.host ?? target.address;
      if (!host) return fail(`HTTP lifecycle hook (${h.httpGet.path}) ${where} failed - error: the pod has no address`);
      const err = await httpGet(h.httpGet, host, port, timeoutMs);
      return err
        ? fail(`HTTP lifecycle hook (${h.httpGet.path}) ${where} failed - error: ${err}`)
        : { ok: true, message: '' };
    }
    if (h.sleep) {
      await sleep(Math.min(h.sleep.seconds * 1000, timeoutMs), signal);
      return { ok: true, message: '' };
    }
    return fail(`lifecycle hook ${where} has no action`);
  } catch (e) {
    return fail(`lifecycle hook ${where} failed - error: ${errorMessage(e)}`);
  }
}

function fail(message: string): HookResult {
  return { ok: false, message };
}

/** Resolves to an error text for a failed connection, undefined once any response arrives. */
function httpGet(
  action: NonNullable<LifecycleHandler['httpGet']>,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const path = action.path.startsWith('/') ? action.path : `/${action.path}`;
    const mod = action.scheme === 'HTTPS' ? https : http;
    const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT };
    for (const hd of action.httpHeaders) headers[hd.name] = hd.value;
    const req = mod.get(
      { host, port, path, headers, agent: false, rejectUnauthorized: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(undefined);
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(
        `Get "${action.scheme === 'HTTPS' ? 'https' : 'http'}://${host}:${port}${path}": context deadline exceeded`,
      );
    });
    req.on('error', (e) => resolve(`Get "http://${host}:${port}${path}": ${e.message}`));
  });
}
