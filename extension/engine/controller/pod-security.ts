// runAsNonRoot, checked as the kubelet's verifyRunAsNonRoot does before it creates a
// container: the effective user is the container's runAsUser, else the pod's, else the
// image's; uid 0 (an empty image user is root) is refused, and so is a user name, which
// cannot be proven non-root. Pure; the caller reads the image's Config.User.
import type { ContainerSpec, DeploymentSpec } from '../model/types';
import { podUid } from './downward-api';

/** The kubelet's refusal text, or undefined when the container may run. */
export function nonRootViolation(
  c: ContainerSpec,
  d: DeploymentSpec,
  imageUser: string | undefined,
  replica: string,
  stack = '',
): string | undefined {
  const pod = d.template.security;
  if (!(c.security?.runAsNonRoot ?? pod?.runAsNonRoot)) return undefined;
  const who = `(pod: "${replica}_${d.template.namespace ?? 'default'}(${podUid(stack, replica)})", container: ${c.name})`;
  const uid = c.security?.runAsUser ?? pod?.runAsUser;
  if (uid !== undefined) return uid === 0 ? `container's runAsUser breaks non-root policy ${who}` : undefined;
  const user = (imageUser ?? '').split(':')[0];
  if (user === '' || user === '0') return `container has runAsNonRoot and image will run as root ${who}`;
  if (!/^\d+$/.test(user)) {
    return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root ${who}`;
  }
  return undefined;
}
