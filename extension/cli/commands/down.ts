// `flotilla down`: stop the controller if one runs, then remove every container
// and the network the stack labelled. Unlabelled containers are never touched.
// Claim volumes (PersistentVolumeClaims, StatefulSet claims) keep their data;
// `down --volumes` removes them too.
import { ControllerClient } from '../../engine/api/client';
import { downStack } from '../../engine/controller/controller';
import { preStopRunner } from '../../engine/controller/pod-lifecycle';
import { connectDocker } from '../../engine/docker/client';
import { listClaimVolumes, removeClaimVolumes } from '../../engine/docker/volumes';
import type { ObservedPod } from '../../engine/docker/observe';
import { loadStack } from '../../engine/model/load-stack';
import { findStackFile } from '../../engine/model/stack-file';
import { readStackFile } from '../../engine/model/stack-file';
import { StackError } from '../../engine/model/problems';
import { connectManager } from '../../engine/deploy/swarm/deploy';
import { downSwarm } from '../../engine/deploy/swarm/down';
import { type Args, stackDir } from '../args';
import { swarmFlags, target } from './deploy';

export async function down(args: Args): Promise<number> {
  const dir = stackDir(args);
  // Only the stack's name is needed: down must work even when a manifest is broken.
  const file = findStackFile(dir);
  if (!file) throw new Error(`no flotilla.yaml or skaffold.yaml in ${dir}`);
  const { stack, problems } = readStackFile(file);
  if (!stack) throw new StackError(problems);
  if (target(args) === 'swarm') {
    const r = await downSwarm(await connectManager(swarmFlags(args, false).host), stack.name);
    process.stdout.write(
      `stack ${stack.name}: removed ${r.services} service(s), ${r.configs} config(s), ${r.secrets} secret(s)${r.network ? ' and its network' : ''} from the swarm\n`,
    );
    if (r.jobContainers === 'left') {
      process.stdout.write(
        `the containers of ${r.jobs.join(', ')} may remain on their nodes (Swarm before Docker 23 keeps a removed Job's tasks): remove them there with docker container rm\n`,
      );
    }
    return 0;
  }
  const client = await ControllerClient.connect(dir);
  if (client) {
    await client.post('/v1/shutdown', { down: false });
    await waitForExit(client.handle.pid, 60_000);
  }
  const docker = await connectDocker();
  // The manifests, when they load, give each pod its grace period and preStop hooks; a broken
  // manifest still lets the stack go down, with the stack file's grace period and no hooks.
  const loaded = loadStack(dir).stack;
  const grace = (p: ObservedPod) =>
    stack.settings.terminationGracePeriodSeconds ??
    loaded?.deployments.find((d) => d.name === p.deployment)?.template.terminationGracePeriodSeconds ??
    30;
  const n = await downStack(docker, stack.name, grace, stack.dir, (p) =>
    loaded ? preStopRunner(docker, loaded, p) : undefined,
  );
  process.stdout.write(`stack ${stack.name}: removed ${n} replica(s) and its network\n`);
  const claims = await listClaimVolumes(docker, stack.name);
  if (args.flags.has('--volumes')) {
    // Only now, and only on request: claims hold the user's data (as deleting PVCs would).
    const r = await removeClaimVolumes(docker, stack.name);
    process.stdout.write(`stack ${stack.name}: removed ${r.removed.length} claim volume(s)\n`);
    if (r.busy.length) process.stdout.write(`still in use, kept: ${r.busy.join(', ')}\n`);
  } else if (claims.length) {
    process.stdout.write(
      `kept ${claims.length} claim volume(s) with their data (${claims.map((c) => c.name).join(', ')}); flotilla down --volumes removes them\n`,
    );
  }
  return 0;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return; // ESRCH: the controller has exited
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`controller (pid ${pid}) did not stop within ${timeoutMs / 1000}s`);
}
