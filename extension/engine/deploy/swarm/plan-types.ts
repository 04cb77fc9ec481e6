// The desired state of a stack on a Swarm: what plan.ts computes from the stack (a pure function) and
// apply.ts makes real. Kept apart so tests and the status reader share the shapes.
import type Dockerode from 'dockerode';

export type SwarmRole = 'workload' | 'proxy' | 'stats' | 'setup';

export interface DesiredService {
  name: string;
  role: SwarmRole;
  /** The manifest object: "Deployment/api", "Service/web". */
  source: string;
  /** The workload (or Service) name, as status reports it. */
  object: string;
  spec: Dockerode.ServiceSpec;
  /** Hash of the spec without the replica count: an update is sent only when it changed. */
  hash: string;
  /** An HPA scales this service: a re-deploy keeps the current count within [min, max]. */
  hpa?: { min: number; max: number };
  /** A StatefulSet ordinal's claim volumes: the one-shot job that prepares them on its node (claim-setup.ts). */
  claimSetup?: Dockerode.ServiceSpec;
}

/** A Swarm config or secret: immutable, so its name carries a hash of its content. */
export interface DesiredBlob {
  name: string;
  /** "ConfigMap/shop-config/GREETING". */
  object: string;
  data: string;
  labels: Record<string, string>;
}

export interface SwarmPlan {
  stack: string;
  network: string;
  services: DesiredService[];
  configs: DesiredBlob[];
  secrets: DesiredBlob[];
  /** Labels for swarm nodes, by swarm node id, from the stack file's nodes. */
  nodeLabels: { nodeId: string; hostname: string; stackNode: string; labels: Record<string, string> }[];
  /** What does not carry over exactly, said once at deploy. */
  warnings: string[];
}

/** A swarm node as plan() needs it. */
export interface SwarmNode {
  id: string;
  hostname: string;
  addr: string;
  ready: boolean;
  manager: boolean;
  labels: Record<string, string>;
}
