// A StatefulSet ordinal's claim volumes made ready before its service starts, as the local engine and dev
// clusters' local provisioners make a claim: a fresh (empty) volume is world-writable, so an image that runs as
// a non-root user can write to it; an existing one keeps its mode and data. With fsGroup, the root belongs to
// that group with group rwx and setgid, as the kubelet's SetVolumeOwnership does.
//
// Swarm creates a task's named volume on its node as root 0755, and runs no init step, so the setup is a
// one-shot service on the ordinal's pinned node (Service proxy image: Node, with a shell, run as
// root) that mounts the same volumes, fixes their roots and exits; it is removed once it has completed.
import type Dockerode from 'dockerode';
import { listTasks, type TaskInfo } from './engine-api';
import { SWARM_LABELS, swarmName } from './names';

const BASE = '/claims';

export interface ClaimSetupInput {
  stack: string;
  /** The ordinal's swarm service, e.g. shop_store-0. */
  service: string;
  /** "StatefulSet/store-0". */
  source: string;
  nodeId: string;
  image: string;
  /** The ordinal's claim volume mounts, as its service mounts them (same source and volume options). */
  mounts: Dockerode.MountSettings[];
  fsGroup?: number;
}

/** The setup job's name: `_` cannot be in a Kubernetes name, so it never meets a workload's service. */
export function claimSetupName(service: string): string {
  return swarmName(service, 'claims');
}

export function claimSetupSpec(inp: ClaimSetupInput): Dockerode.ServiceSpec {
  const labels = {
    [SWARM_LABELS.stack]: inp.stack,
    [SWARM_LABELS.role]: 'setup',
    [SWARM_LABELS.source]: inp.source,
  };
  const g = inp.fsGroup;
  const fresh = g === undefined ? 'chmod 0777 "$d"' : `chgrp ${g} "$d" && chmod 02777 "$d"`;
  const existing = g === undefined ? 'true' : `chgrp ${g} "$d" && chmod g+rwxs "$d"`;
  const script = `set -e; for d in ${BASE}/*; do if [ -z "$(ls -A "$d")" ]; then ${fresh}; else ${existing}; fi; done`;
  return {
    Name: claimSetupName(inp.service),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: inp.image,
        Labels: labels,
        Command: ['sh', '-c', script],
        User: '0',
        Mounts: inp.mounts.map((m, i) => ({ ...m, Target: `${BASE}/${i}`, ReadOnly: false })),
      },
      RestartPolicy: { Condition: 'none' },
      Placement: { Constraints: [`node.id==${inp.nodeId}`] },
    },
    // One task that is not restarted; not a replicated job, whose tasks Swarm before Docker 23 keeps forever.
    Mode: { Replicated: { Replicas: 1 } },
  };
}

/** Runs a setup job to completion on its node, then removes it. Throws with the task's error if it fails. */
export async function runClaimSetup(
  docker: Dockerode,
  spec: Dockerode.ServiceSpec,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const name = spec.Name ?? '';
  // One left by an interrupted deploy goes first: a completed job does not run again.
  await docker
    .getService(name)
    .remove()
    .catch(() => undefined);
  await docker.createService(spec);
  const id = name; // the API takes a service's name wherever it takes its ID
  try {
    const until = Date.now() + (opts.timeoutMs ?? 180_000);
    for (;;) {
      const tasks = await listTasks(docker, { service: [id] });
      if (tasks.some((t) => state(t) === 'complete')) return;
      const failed = tasks.find((t) => ['failed', 'rejected', 'orphaned'].includes(state(t)));
      if (failed) throw new Error(`${failed.Status?.Err ?? state(failed)}`);
      if (Date.now() > until || opts.signal?.aborted) {
        const t = tasks[0];
        throw new Error(
          `not done after ${Math.round((opts.timeoutMs ?? 180_000) / 1000)} s (task ${t ? state(t) : 'not scheduled'}${t?.Status?.Err ? `: ${t.Status.Err}` : ''})`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await docker
      .getService(id)
      .remove()
      .catch(() => undefined); // already gone: nothing to clean up
  }
}

function state(t: TaskInfo): string {
  return t.Status?.State ?? '';
}

/** Whether a new service (or one moved to another node) needs its claims set up first. */
export function needsClaimSetup(have: Dockerode.ServiceSpec | undefined, pinnedNow: string | undefined): boolean {
  const t = have?.TaskTemplate;
  const before = t && 'ContainerSpec' in t ? (t.Placement?.Constraints ?? []) : [];
  return !have || !pinnedNow || !before.includes(`node.id==${pinnedNow}`);
}
