// A hand scale (`flotilla scale`, the editor's +1/−1) overrides the manifest's replicas
// until `down`, Reset to Manifest, or a change of the manifest's replicas: as in Kubernetes,
// where `kubectl apply` of a manifest whose replicas changed sets them again. The state
// store keeps each override with the manifest count it overrode, so a change is noticed
// even when it happened while no controller ran.
import type { DeploymentStatus } from '../api/protocol';
import type { DeploymentSpec, StackSpec } from '../model/types';
import type { StackState } from './state-store';

export function manifestReplicas(d: DeploymentSpec): number {
  return d.replicas ?? 1;
}

/** The override in force for `d`: none when there is none, or when the manifest changed since. */
export function handScale(s: StackState, d: DeploymentSpec): DeploymentStatus['scaledByHand'] {
  const replicas = s.scale[d.name];
  if (replicas === undefined) return undefined;
  const base = s.scaleManifest[d.name];
  const manifest = manifestReplicas(d);
  // A state file from before the base was kept: the override stands against today's manifest.
  if (base !== undefined && base !== manifest) return undefined;
  return { replicas, manifestReplicas: manifest };
}

/** Records a hand scale; scaling to exactly the manifest's count is no override at all. */
export function recordHandScale(s: StackState, d: DeploymentSpec, replicas: number): void {
  if (replicas === manifestReplicas(d)) {
    clearHandScale(s, d.name);
    return;
  }
  s.scale[d.name] = replicas;
  s.scaleManifest[d.name] = manifestReplicas(d);
}

export function clearHandScale(s: StackState, deployment: string): void {
  delete s.scale[deployment];
  delete s.scaleManifest[deployment];
}

/** `down` forgets every hand scale: the next `up` starts from the manifests. */
export function forgetHandScales(s: StackState): void {
  s.scale = {};
  s.scaleManifest = {};
}

export interface DroppedScale {
  deployment: string;
  replicas: number;
  manifestReplicas: number;
}

/** Drops the overrides whose manifest count changed (or whose deployment is gone); says which. */
export function dropStaleHandScales(s: StackState, stack: StackSpec): DroppedScale[] {
  const dropped: DroppedScale[] = [];
  for (const [name, replicas] of Object.entries(s.scale)) {
    const d = stack.deployments.find((x) => x.name === name);
    if (!d) continue; // a deployment left out for a while keeps its scale, as kubectl would
    const manifest = manifestReplicas(d);
    const base = s.scaleManifest[name];
    if (base === undefined) s.scaleManifest[name] = manifest;
    else if (base !== manifest) {
      clearHandScale(s, name);
      dropped.push({ deployment: name, replicas, manifestReplicas: manifest });
    }
  }
  return dropped;
}
