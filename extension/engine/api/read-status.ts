// Status whether or not a controller runs: ask the controller when one answers (its
// in-memory state, nothing read from Docker), else read the stack files and Docker's
// labelled containers directly. The second path's modules load only when it runs.
import { ControllerClient } from './client';
import type { StackStatus } from './protocol';
import * as path from 'node:path';
import type * as HandScale from '../controller/hand-scale';
import type * as DaemonSet from '../controller/daemon-set';
import type * as PodNetwork from '../controller/pod-network';
import type * as Status from '../controller/status';
import type * as Store from '../controller/state-store';
import type * as Client from '../docker/client';
import type * as Observe from '../docker/observe';
import type * as LoadStack from '../model/load-stack';
import type * as Problems from '../model/problems';
import type * as ClusterIps from '../proxy/cluster-ips';

export async function readStatus(dir: string): Promise<StackStatus> {
  const client = await ControllerClient.connect(dir);
  return client ? client.status() : statusWithoutController(dir);
}

/** The stack's status read from its files and Docker, for when no controller answers. */
export async function statusWithoutController(dir: string): Promise<StackStatus> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only on this path (see the header) */
  const { handScale, manifestReplicas }: typeof HandScale = require('../controller/hand-scale');
  const { daemonNodes }: typeof DaemonSet = require('../controller/daemon-set');
  const { isHeadless, serviceKey }: typeof PodNetwork = require('../controller/pod-network');
  const { buildStatus }: typeof Status = require('../controller/status');
  const { StateStore, stateDir }: typeof Store = require('../controller/state-store');
  const { connectDocker }: typeof Client = require('../docker/client');
  const { observeStack }: typeof Observe = require('../docker/observe');
  const { loadStack }: typeof LoadStack = require('../model/load-stack');
  const { StackError }: typeof Problems = require('../model/problems');
  const { ClusterIpStore }: typeof ClusterIps = require('../proxy/cluster-ips');
  /* eslint-enable @typescript-eslint/no-require-imports */
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
