// Status whether or not a controller runs: ask the controller when one answers,
// else read the stack files and Docker's labelled containers directly.
import { handScale, manifestReplicas } from '../controller/hand-scale';
import { daemonNodes } from '../controller/daemon-set';
import { isHeadless, serviceKey } from '../controller/pod-network';
import { buildStatus } from '../controller/status';
import { StateStore, stateDir } from '../controller/state-store';
import { connectDocker } from '../docker/client';
import { observeStack } from '../docker/observe';
import { StackError } from '../model/problems';
import { loadStack } from '../model/load-stack';
import { ClusterIpStore } from '../proxy/cluster-ips';
import { ControllerClient } from './client';
import type { StackStatus } from './protocol';
import * as path from 'node:path';

export async function readStatus(dir: string): Promise<StackStatus> {
  const client = await ControllerClient.connect(dir);
  if (client) return client.status();
  const { stack, problems } = loadStack(dir);
  if (!stack) throw new StackError(problems);
  const docker = await connectDocker();
  const pods = await observeStack(docker, stack.name);
  const state = StateStore.read(path.join(stateDir(stack.dir), 'state.json'));
  const status = buildStatus(stack, pods, {
    now: Date.now(),
    desired: (d) =>
      d.kind === 'DaemonSet'
        ? // Without a node pool in the stack file the controller makes one host-sized node.
          stack.nodes.length
          ? daemonNodes(stack.nodes, d.template.nodeSelector).length
          : 1
        : d.kind === 'Pod'
          ? 1
          : (handScale(state, d)?.replicas ?? manifestReplicas(d)),
    scaledByHand: (d) => handScale(state, d),
    pending: [],
    restarts: state.restarts,
    records: state,
  });
  // While the stack runs, its proxy serves the ClusterIPs kept in the stack folder.
  if (pods.length) {
    const kept = new ClusterIpStore(stack.dir).kept();
    for (const svc of status.services) {
      const spec = stack.services.find((s) => s.name === svc.name);
      const ip = spec && (isHeadless(spec) ? 'None' : kept.get(serviceKey(spec)));
      if (ip) svc.clusterIP = ip;
    }
  }
  return status;
}
