// ConfigMaps and Secrets as Swarm configs and secrets. Swarm's are immutable, so each key becomes one object
// whose name carries a hash of its content: a changed value is a new object, the services that use it are
// updated to the new name (a rolling update), and the old one is removed once nothing uses it.
import type { ConfigMapSpec, SecretSpec } from '../../model/types';
import { SWARM_LABELS, shortHash, swarmName } from './names';
import type { DesiredBlob } from './plan-types';

export function blobFor(
  stack: string,
  kind: 'ConfigMap' | 'Secret',
  obj: ConfigMapSpec | SecretSpec,
  key: string,
): DesiredBlob {
  const data = obj.data[key] ?? '';
  const hash = shortHash(`${kind}\n${obj.name}\n${key}\n${data}`, 10);
  return {
    name: swarmName(stack, `${obj.name}.${key}-${hash}`),
    object: `${kind}/${obj.name}/${key}`,
    data,
    labels: { [SWARM_LABELS.stack]: stack, [SWARM_LABELS.object]: `${kind}/${obj.name}/${key}` },
  };
}
