// Graceful termination of one replica container.
//
// API
//   effectiveGraceSeconds(template, settings) → seconds between SIGTERM and SIGKILL
//   stopContainer(docker, id, graceSeconds)   → 'stopped' | 'already-stopped' | 'gone'
//
// The order is the controller's job: take the replica out of the endpoints first (so the
// balancer stops sending it traffic), then stopContainer. Docker's stop sends the image's
// StopSignal (SIGTERM by default), waits `t` seconds, then SIGKILLs — exactly the kubelet's
// SIGTERM → terminationGracePeriodSeconds → SIGKILL.

import type Docker from 'dockerode';
import type { PodTemplate, StackSettings } from '../model/types';
import { statusCodeOf } from '../util/errors';

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

/** The stack's override wins (a fast dev loop), then the pod's own value, then Kubernetes' 30 s. */
export function effectiveGraceSeconds(
  template: Pick<PodTemplate, 'terminationGracePeriodSeconds'> | undefined,
  settings: Pick<StackSettings, 'terminationGracePeriodSeconds'> | undefined,
): number {
  for (const v of [settings?.terminationGracePeriodSeconds, template?.terminationGracePeriodSeconds]) {
    if (v !== undefined && Number.isFinite(v) && v >= 0) return Math.floor(v);
  }
  return DEFAULT_TERMINATION_GRACE_SECONDS;
}

export type StopOutcome = 'stopped' | 'already-stopped' | 'gone';

/** SIGTERM, wait up to graceSeconds, SIGKILL. Resolves once the container has exited. */
export async function stopContainer(docker: Docker, id: string, graceSeconds: number): Promise<StopOutcome> {
  try {
    await docker.getContainer(id).stop({ t: Math.max(0, Math.floor(graceSeconds)) });
    return 'stopped';
  } catch (err) {
    const status = statusCodeOf(err);
    if (status === 304) return 'already-stopped';
    if (status === 404) return 'gone';
    throw err;
  }
}
