// Named Docker volumes a stack owns, and the one naming scheme for them.
//
// Two lifetimes, as in Kubernetes:
// - claim volumes back PersistentVolumeClaims (standalone claims and a StatefulSet's
//   volumeClaimTemplates, whose claims are named <template>-<statefulset>-<ordinal> as in a
//   cluster). They outlive replicas, scale-downs and `down`; only `down --volumes` removes them.
// - pod volumes (a shared emptyDir, the files of configMap/secret/downwardAPI/projected volumes)
//   live as long as their replica and are removed with it.
// Names: claim `flotilla_<stack>_<claim>`, pod volume `flotilla_<stack>_<replica>_<volume>`.
// Claim, replica and volume names are DNS names (no '_'), so the two kinds can never collide.
// Every volume carries the stack label; nothing without it is ever touched.
import type Docker from 'dockerode';
import type { DockerApi } from './api';
import { LABELS } from './labels';

/** The part of the Engine API volumes need; dockerode has it, the controller's test engine may not. */
export type VolumeApi = Pick<Docker, 'listVolumes' | 'getVolume' | 'createVolume'>;

export function hasVolumeApi<T extends DockerApi>(docker: T): docker is T & VolumeApi {
  return 'listVolumes' in docker && 'getVolume' in docker && 'createVolume' in docker;
}

export function claimVolumeName(stack: string, claim: string): string {
  return `flotilla_${stack}_${claim}`;
}

export function podVolumeName(stack: string, replica: string, volume: string): string {
  return `flotilla_${stack}_${replica}_${volume}`;
}

export interface StackVolume {
  name: string;
  labels: Record<string, string>;
}

/**
 * The claim's volume, created if missing. An existing volume of that name is reused only if the
 * stack labelled it for the same claim (data kept across `down` and `up` is found again).
 * `labels` adds owner details (e.g. the StatefulSet and ordinal); they are set only at creation.
 */
export async function ensureClaimVolume(
  docker: VolumeApi,
  stack: string,
  claim: string,
  labels: Record<string, string> = {},
): Promise<string> {
  return (await provideClaimVolume(docker, stack, claim, labels)).name;
}

/** Like ensureClaimVolume, and says whether this call created it (a fresh volume gets its root prepared). */
export async function provideClaimVolume(
  docker: VolumeApi,
  stack: string,
  claim: string,
  labels: Record<string, string> = {},
): Promise<{ name: string; created: boolean }> {
  const name = claimVolumeName(stack, claim);
  const existing = await inspectVolume(docker, name);
  if (existing) {
    const l = existing.Labels ?? {};
    if (l[LABELS.stack] !== stack || l[LABELS.claim] !== claim) {
      throw new Error(
        `a Docker volume named ${name} exists but was not created by Flotilla for claim ${claim} of stack ${stack}; rename the claim, or remove the volume if its data is not needed (docker volume rm ${name})`,
      );
    }
    return { name, created: false };
  }
  await docker.createVolume({ Name: name, Labels: { ...labels, [LABELS.stack]: stack, [LABELS.claim]: claim } });
  return { name, created: true };
}

/** A volume that lives as long as one replica; `driverOpts` makes e.g. a tmpfs. */
export async function createPodVolume(
  docker: VolumeApi,
  stack: string,
  replica: string,
  volume: string,
  driverOpts?: Record<string, string>,
): Promise<string> {
  const name = podVolumeName(stack, replica, volume);
  await docker.createVolume({
    Name: name,
    Driver: 'local',
    DriverOpts: driverOpts,
    Labels: { [LABELS.stack]: stack, [LABELS.replica]: replica, [LABELS.podVolume]: volume },
  });
  return name;
}

/** Claim volumes of the stack (what `down --volumes` would delete). */
export async function listClaimVolumes(docker: VolumeApi, stack: string): Promise<StackVolume[]> {
  return (await listStackVolumes(docker, stack)).filter((v) => v.labels[LABELS.claim] !== undefined);
}

/** Pod volumes of the stack; `replica` narrows to one replica's. */
export async function listPodVolumes(docker: VolumeApi, stack: string, replica?: string): Promise<StackVolume[]> {
  return (await listStackVolumes(docker, stack)).filter(
    (v) =>
      v.labels[LABELS.claim] === undefined &&
      v.labels[LABELS.replica] !== undefined &&
      (replica === undefined || v.labels[LABELS.replica] === replica),
  );
}

export interface Removed {
  removed: string[];
  /** Still mounted by a container (Docker answers 409): left in place. */
  busy: string[];
}

/** Removes one replica's pod volumes (never a claim volume); `replica` omitted: those of every replica. */
export async function removePodVolumes(docker: VolumeApi, stack: string, replica?: string): Promise<Removed> {
  return removeVolumes(docker, await listPodVolumes(docker, stack, replica));
}

/** `down --volumes`: removes every claim volume of the stack (after its containers are gone). */
export async function removeClaimVolumes(docker: VolumeApi, stack: string): Promise<Removed> {
  return removeVolumes(docker, await listClaimVolumes(docker, stack));
}

async function listStackVolumes(docker: VolumeApi, stack: string): Promise<StackVolume[]> {
  const res = await docker.listVolumes({ filters: { label: [`${LABELS.stack}=${stack}`] } });
  return (res.Volumes ?? [])
    .filter((v) => v.Labels?.[LABELS.stack] === stack) // belt and braces: never another stack's volume
    .map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
}

async function removeVolumes(docker: VolumeApi, volumes: StackVolume[]): Promise<Removed> {
  const out: Removed = { removed: [], busy: [] };
  for (const v of volumes) {
    await docker
      .getVolume(v.name)
      .remove()
      .then(
        () => out.removed.push(v.name),
        (e: { statusCode?: number }) => {
          if (e.statusCode === 404) return; // already gone
          if (e.statusCode === 409) return out.busy.push(v.name);
          throw e;
        },
      );
  }
  return out;
}

/**
 * What a stack's pods leave beside their containers: volume writers a crash interrupted, and
 * pod volumes. Claims stay (only `down --volumes` removes them).
 */
export async function removePodLeftovers(docker: DockerApi & VolumeApi, stack: string): Promise<Removed> {
  const writers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.stack}=${stack}`, `${LABELS.role}=volume-writer`] },
  });
  for (const w of writers) {
    if (w.Labels?.[LABELS.stack] !== stack) continue;
    await docker
      .getContainer(w.Id)
      .remove({ force: true, v: true })
      .catch(() => undefined); // gone already: nothing to clean
  }
  return removePodVolumes(docker, stack);
}

async function inspectVolume(docker: VolumeApi, name: string): Promise<Docker.VolumeInspectInfo | undefined> {
  return docker
    .getVolume(name)
    .inspect()
    .catch((e: { statusCode?: number }) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    });
}
