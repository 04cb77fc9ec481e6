// imagePullPolicy at `up`, for images the stack does not build (a built image is always
// the one the stack just built). The kubelet pulls when it starts a container; locally the
// engine settles images once, before anything runs, so a missing image refuses the stack
// with its file:line instead of leaving pods in ErrImagePull:
//   Never         use the local image; a missing one is an error (ErrImageNeverPull).
//   IfNotPresent  use the local image, pull only when missing.
//   Always        pull; when no registry answers and the image is present, use it and warn.
import type Docker from 'dockerode';
import type { ImagePullPolicy } from '../model/pod-types';
import type { DeploymentSpec, SourceRef, StackSpec } from '../model/types';
import { errorMessage } from '../util/errors';

export interface ImageProblem extends SourceRef {
  message: string;
}

export interface ImageCheck {
  /** Refuse the stack. */
  problems: ImageProblem[];
  /** Runs, but not quite as asked (a pull that could not happen). */
  warnings: ImageProblem[];
}

interface Use {
  image: string;
  policy: ImagePullPolicy;
  d: DeploymentSpec;
  container: string;
  at: SourceRef;
}

/** Each image a stack runs but does not build, once per pull policy, with its first user (for messages). */
export function imageUses(stack: StackSpec, built: Record<string, string>): Use[] {
  const out = new Map<string, Use>();
  // Jobs and CronJobs' Job templates run images too.
  for (const d of [...stack.deployments, ...stack.jobs, ...stack.cronJobs.map((c) => c.job)]) {
    for (const c of [...(d.template.initContainers ?? []), ...d.template.containers]) {
      if (built[c.image]) continue;
      const policy = c.imagePullPolicy ?? 'IfNotPresent';
      const key = `${policy} ${c.image}`;
      if (!out.has(key)) out.set(key, { image: c.image, policy, d, container: c.name, at: c.imageSource ?? d.source });
    }
  }
  return [...out.values()];
}

export async function checkImages(
  docker: Docker,
  stack: StackSpec,
  built: Record<string, string>,
  onOutput?: (line: string) => void,
): Promise<ImageCheck> {
  const out: ImageCheck = { problems: [], warnings: [] };
  const present = (image: string) =>
    docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      );
  await Promise.all(
    imageUses(stack, built).map(async ({ image, policy, d, container, at }) => {
      const who = `${(d.kind ?? 'Deployment').toLowerCase()} ${d.name}, container ${container}`;
      if (policy === 'Never') {
        if (!(await present(image))) {
          out.problems.push({
            ...at,
            message: `Container image "${image}" is not present with pull policy of Never (${who}): build or load it first (docker build/load), or set imagePullPolicy: IfNotPresent`,
          });
        }
        return;
      }
      if (policy === 'IfNotPresent' && (await present(image))) return;
      try {
        await pull(docker, image);
        onOutput?.(`pulled ${image} (imagePullPolicy ${policy})`);
      } catch (e) {
        if (policy === 'Always' && (await present(image))) {
          out.warnings.push({
            ...at,
            message: `could not pull "${image}" (imagePullPolicy Always, ${who}): ${firstLine(errorMessage(e))}; using the image present locally`,
          });
          return;
        }
        out.problems.push({
          ...at,
          message: `image "${image}" (${who}) is not built by the stack, not present locally and could not be pulled (${firstLine(errorMessage(e))}): add it to build: in the stack file, or build/pull it first`,
        });
      }
    }),
  );
  return out;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function pull(docker: Docker, image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // With a callback, dockerode reports every failure there; its return value carries nothing.
    void docker.pull(image, (err: Error | null, stream: NodeJS.ReadableStream) => {
      if (err) return reject(err);
      docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve()));
    });
  });
}
