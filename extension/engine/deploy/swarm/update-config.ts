// A Deployment's strategy as Swarm's update_config: start-first when nothing may be unavailable (a new task
// is healthy before an old one stops), else stop-first with as many at a time as may be unavailable; a
// failed update rolls back. Recreate replaces every task at once.
import type Dockerode from 'dockerode';
import { resolveFenceposts } from '../../health/rollout';
import type { DeploymentStrategy } from '../../model/types';

const SECOND = 1e9;

export function updateConfig(
  strategy: DeploymentStrategy | undefined,
  replicas: number,
  minReadySeconds = 0,
): Dockerode.UpdateConfig {
  const monitor = Math.max(5, minReadySeconds) * SECOND;
  if (strategy?.type === 'Recreate') {
    return { Parallelism: 0, Order: 'stop-first', FailureAction: 'rollback', Monitor: monitor, Delay: 0 };
  }
  const { maxSurge, maxUnavailable } = resolveFenceposts(
    strategy ?? { maxSurge: '25%', maxUnavailable: '25%' },
    Math.max(1, replicas),
  );
  const startFirst = maxUnavailable === 0;
  return {
    Parallelism: Math.max(1, startFirst ? maxSurge : maxUnavailable),
    Order: startFirst ? 'start-first' : 'stop-first',
    FailureAction: 'rollback',
    Monitor: monitor,
    Delay: minReadySeconds * SECOND,
    MaxFailureRatio: 0,
  };
}
