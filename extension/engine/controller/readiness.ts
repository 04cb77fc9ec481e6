// The one readiness rule. A replica is Ready when all its containers run, it is
// not being terminated, and its readiness probe says so; without a readiness
// probe, running is Ready (as the kubelet reports it). A controller only calls
// Ready what it has seen (a replica it has no runtime entry for is on its way in
// or out); `flotilla status` without a controller has no runtime at all and
// judges by the containers alone.
import { podPhase, type ObservedPod } from '../docker/observe';
import type { DeploymentSpec } from '../model/types';
import type { RuntimeTable } from './runtime';

export function isPodReady(p: ObservedPod, d: DeploymentSpec | undefined, runtime: RuntimeTable | undefined): boolean {
  if (podPhase(p) !== 'running') return false;
  const hasProbe = !!d?.template.containers.some((c) => c.readinessProbe);
  if (!runtime) return !hasProbe;
  const rt = runtime.peek(p.replica);
  if (!rt || rt.terminating) return false;
  return rt.probeReady ?? !hasProbe;
}
