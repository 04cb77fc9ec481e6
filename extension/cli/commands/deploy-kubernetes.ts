// `flotilla deploy --target kubernetes`: placeholder until the Kubernetes target lands.
import type { Args } from '../args';

export async function deployKubernetes(args: Args): Promise<number> {
  void args;
  throw new Error('--target kubernetes is not available yet');
}
